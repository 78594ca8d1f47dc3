// /login: password first, then a second factor when the account has one. Once signed in, the
// page moves on to `next` (a same-site path only) or the default screen.
import { Alert, Center, Paper, Stack, Title } from '@mantine/core';
import { useState } from 'react';
import { Navigate, useSearchParams } from 'react-router-dom';
import { safeNextPath } from '../../auth/safe-next.ts';
import { useSessionState, type SessionNotice } from '../../auth/session-store.ts';
import { PageLoader } from '../../components/PageLoader.tsx';
import { CredentialsForm } from './CredentialsForm.tsx';
import { SecondFactorStep, type SecondFactorChallenge } from './SecondFactorStep.tsx';
import { useVerifySecondFactor } from './use-verify-second-factor.ts';

export function LoginPage() {
  const session = useSessionState();
  const [params] = useSearchParams();
  const [challenge, setChallenge] = useState<SecondFactorChallenge | null>(null);
  const verifySecondFactor = useVerifySecondFactor();

  if (session.status === 'restoring') return <PageLoader label="Checking for an existing session…" />;
  if (session.status === 'signedIn') return <Navigate to={safeNextPath(params.get('next'))} replace />;

  return (
    <Center py="xl">
      <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={420}>
        <Stack gap="lg">
          <Title order={2}>Sign in</Title>
          {session.notice && <SessionNoticeAlert notice={session.notice} />}
          {challenge ? (
            <SecondFactorStep
              methods={challenge.methods}
              onSubmit={(code) => verifySecondFactor(challenge.challengeToken, code)}
              onCancel={() => setChallenge(null)}
            />
          ) : (
            <CredentialsForm onSecondFactor={setChallenge} />
          )}
        </Stack>
      </Paper>
    </Center>
  );
}

/** Why this tab is signed out; an ended session is announced, a chosen sign-out only shown. */
function SessionNoticeAlert({ notice }: { notice: SessionNotice }) {
  if (notice.kind === 'signedOut') {
    return (
      <Alert color="blue" role="status" data-testid="session-notice">
        {notice.message}
      </Alert>
    );
  }
  return (
    <Alert color={notice.kind === 'ended' ? 'orange' : 'yellow'} title={notice.kind === 'ended' ? 'Signed out' : 'Could not confirm your session'} data-testid="session-notice">
      {notice.message}
    </Alert>
  );
}
