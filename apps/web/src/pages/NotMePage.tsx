// /not-me/<token>: the "this wasn't me" link from a new-device email. Opening it does nothing
// by itself, because mail scanners and link previewers open links too; only pressing the
// button reports the sign-in. The token goes to the server in the POST body only, and never
// into a log, a query string or the address of another page.
import { Alert, Button, Center, Paper, Stack, Text, Title } from '@mantine/core';
import { useLocation, useParams } from 'react-router-dom';
import { describeApiError, errorReasonOf } from '../lib/api-errors.ts';
import { trpc } from '../trpc.ts';

/** The token from /not-me/<token>, or from /not-me#<token> (a fragment never reaches any server log). */
function useNotMeToken(): string {
  const { token } = useParams();
  const { hash } = useLocation();
  return token ?? hash.replace(/^#/, '');
}

export function NotMePage() {
  const token = useNotMeToken();
  const report = trpc.auth.reportNotMe.useMutation();

  return (
    <Center py="xl">
      <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={560}>
        <Stack gap="md">
          <Title order={2}>Was this sign-in not you?</Title>
          {report.isSuccess ? (
            <Alert color="green" title="Your account is secured" role="status">
              Every session of the account has been signed out. The next time anyone signs in, they must choose a new password first; if you use
              two-step verification, check that your authenticator and backup codes are still in your hands.
            </Alert>
          ) : (
            <>
              <Text>
                You received this link because your account was signed in to from a device we had not seen before. If that was you, there is
                nothing to do: close this page.
              </Text>
              <Text>
                If it was not you, someone knows your password. Reporting it signs out every session of your account at once, including any you
                have open yourself, removes any passkey added since that sign-in, and requires a new password at the next sign-in.
              </Text>
              {report.isError && (
                <Alert color="red" title="Not reported">
                  {errorReasonOf(report.error) === 'TOKEN_INVALID'
                    ? 'This link is not valid any more: it was already used or it expired. If you still think someone else signed in, sign in and change your password.'
                    : describeApiError(report.error)}
                </Alert>
              )}
              {!token && <Alert color="red">This link is incomplete. Open it again from the email.</Alert>}
              <Button color="red" onClick={() => report.mutate({ token })} loading={report.isPending} disabled={!token} style={{ alignSelf: 'flex-start' }}>
                It wasn’t me: sign out everywhere
              </Button>
            </>
          )}
        </Stack>
      </Paper>
    </Center>
  );
}
