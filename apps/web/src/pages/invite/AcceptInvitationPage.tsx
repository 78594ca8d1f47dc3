// /invite/<token>: what the link grants (role, expiry, bound email), the form that creates the
// account, then a welcome that points to setting up a second factor. The token goes to the API
// only in POST bodies (invitation.inspect is a mutation), never in an API URL; and every
// unusable link gets the same one message, so the page reveals nothing about why.
import { Alert, Button, Center, Paper, Stack, Text, Title } from '@mantine/core';
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { useParams } from 'react-router-dom';
import { useSignedInUser } from '../../auth/signed-in-user.ts';
import { PageLoader } from '../../components/PageLoader.tsx';
import { describeApiError, errorReasonOf } from '../../lib/api-errors.ts';
import { trpc } from '../../trpc.ts';
import { InvitationDetails } from './InvitationDetails.tsx';
import { WelcomePanel } from './WelcomePanel.tsx';

// The form carries the password strength estimator (large dictionaries): load it only here.
const AcceptInvitationForm = lazy(() => import('./AcceptInvitationForm.tsx').then((m) => ({ default: m.AcceptInvitationForm })));

const INVALID_INVITATION_MESSAGE = 'This invitation link is not valid (used, expired or revoked).';

export function AcceptInvitationPage() {
  const { token = '' } = useParams();
  const user = useSignedInUser();
  const inspect = trpc.invitation.inspect.useMutation();
  const [invalid, setInvalid] = useState(false);
  const [welcomed, setWelcomed] = useState<string | null>(null);
  const { mutate } = inspect;
  // Once per token (StrictMode runs effects twice in development; the ref survives that).
  const inspected = useRef<string | null>(null);

  useEffect(() => {
    if (inspected.current === token) return;
    inspected.current = token;
    mutate({ token }, { onError: (error) => setInvalid(errorReasonOf(error) === 'INVITATION_INVALID') });
  }, [token, mutate]);

  const retry = () => {
    inspected.current = token;
    mutate({ token }, { onError: (error) => setInvalid(errorReasonOf(error) === 'INVITATION_INVALID') });
  };

  const offer = inspect.data;
  let body;
  if (welcomed !== null) {
    body = <WelcomePanel username={welcomed} />;
  } else if (invalid) {
    body = (
      <Alert color="red" role="alert" title="Invitation not valid" data-testid="invitation-invalid">
        {INVALID_INVITATION_MESSAGE} Ask an administrator for a new one.
      </Alert>
    );
  } else if (inspect.isError) {
    body = (
      <Alert color="red" role="alert" title="Could not check the invitation">
        <Stack gap="sm" align="flex-start">
          <Text size="sm">{describeApiError(inspect.error)}</Text>
          <Button size="xs" variant="light" color="red" onClick={retry}>
            Try again
          </Button>
        </Stack>
      </Alert>
    );
  } else if (!offer) {
    body = <PageLoader label="Checking the invitation…" />;
  } else {
    body = (
      <Stack gap="lg">
        <InvitationDetails offer={offer} />
        {user && (
          <Alert color="yellow" title={`You are signed in as ${user.username}`}>
            Accepting creates a new account and signs this browser in with it instead. To keep your current account, sign out first or open the link in
            another browser.
          </Alert>
        )}
        <Suspense fallback={<PageLoader label="Loading the form…" />}>
          <AcceptInvitationForm token={token} boundEmail={offer.email} onAccepted={setWelcomed} onInvalid={() => setInvalid(true)} />
        </Suspense>
      </Stack>
    );
  }

  return (
    <Center py="xl">
      <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={520}>
        <Stack gap="lg">
          <Title order={2}>{pageTitle(offer?.isBootstrap === true, welcomed !== null, invalid)}</Title>
          {body}
        </Stack>
      </Paper>
    </Center>
  );
}

/** One heading per stage, the same for the first admin and everyone after: asked, then welcomed. */
function pageTitle(bootstrap: boolean, welcomed: boolean, invalid: boolean): string {
  if (welcomed) return bootstrap ? 'Admin account created' : 'Welcome to Jutsu Labs';
  return bootstrap && !invalid ? 'Create the admin account' : 'Join Jutsu Labs';
}
