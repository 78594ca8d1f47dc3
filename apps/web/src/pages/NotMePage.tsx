// /not-me/<token>: the "this wasn't me" link from a new-device email. Opening it does nothing
// by itself, because mail scanners and link previewers open links too; only pressing the
// button reports the sign-in. The token goes to the server in the POST body only, and never
// into a log, a query string or the address of another page.
import { Alert, Anchor, Button, Center, Paper, Stack, Text, Title } from '@mantine/core';
import { PASSWORD_MIN_SINGLE_FACTOR } from '@jutsu/shared';
import { type FormEvent } from 'react';
import { Link, useLocation, useParams } from 'react-router-dom';
import { NewPasswordFields, usePasswordVerdict } from '../components/password/NewPasswordFields.tsx';
import { RefusalAlert, type Refusal } from '../components/RefusalAlert.tsx';
import { describeApiError, errorReasonOf, passwordProblemsOf } from '../lib/api-errors.ts';
import { useFormFields } from '../lib/use-form-fields.ts';
import { trpc } from '../trpc.ts';

function describeResetRefusal(error: unknown): Refusal {
  switch (errorReasonOf(error)) {
    case 'WEAK_PASSWORD':
      return { title: 'Password not set', message: 'The new password does not meet the rules:', problems: passwordProblemsOf(error) };
    case 'TOKEN_INVALID':
      return { title: 'Password not set', message: 'This page waited too long (the reset works for an hour) or was already used. Ask an administrator to unlock the account, or sign in with a passkey.' };
    default:
      return { title: 'Password not set', message: describeApiError(error) };
  }
}

/** The new password, proved by the reset token the report returned to this page (held in memory only). */
function ResetPasswordForm({ resetToken }: { resetToken: string }) {
  const form = useFormFields<{ newPassword: string; confirmation: string }, Refusal>({ newPassword: '', confirmation: '' });
  const { newPassword, confirmation } = form.values;
  const reset = trpc.auth.resetPassword.useMutation();
  const { verdict, settled } = usePasswordVerdict(newPassword, undefined, false);
  const ready = verdict?.ok === true && settled && confirmation === newPassword;
  if (reset.isSuccess) {
    return (
      <Alert color="green" title="New password set" role="status" data-testid="password-reset-done">
        Password sign-in works again, with the new password only. Every session was signed out once more.{' '}
        <Anchor component={Link} to="/login">
          Sign in
        </Anchor>
      </Alert>
    );
  }
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!ready) return;
    form.check({});
    reset.mutate({ token: resetToken, newPassword }, { onError: (error) => form.refuse(describeResetRefusal(error)) });
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <Text>
          Until you choose a new password here, nobody can sign in to this account with a password — not even with the old one. Passkeys you
          added before that sign-in still work.
        </Text>
        {form.refusal && <RefusalAlert refusal={form.refusal} />}
        <NewPasswordFields
          label="New password"
          minLength={PASSWORD_MIN_SINGLE_FACTOR}
          password={form.field('newPassword')}
          confirmation={form.field('confirmation')}
          verdict={verdict}
        />
        <Button type="submit" disabled={!ready} loading={reset.isPending} style={{ alignSelf: 'flex-start' }}>
          Set new password
        </Button>
      </Stack>
    </form>
  );
}

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
            <>
              <Alert color="green" title="Your account is secured" role="status">
                Every session of the account has been signed out, and what was added since that sign-in was removed
                {report.data.removed.secondFactor ? ', including a two-step verification turned on since then' : ''}. If you use two-step verification,
                check that your authenticator and backup codes are still in your hands.
              </Alert>
              <ResetPasswordForm resetToken={report.data.resetToken} />
            </>
          ) : (
            <>
              <Text>
                You received this link because your account was signed in to from a device we had not seen before. If that was you, there is
                nothing to do: close this page.
              </Text>
              <Text>
                If it was not you, someone knows your password. Reporting it signs out every session of your account at once, including any you
                have open yourself, removes any passkey, browser or second factor added since that sign-in, and pauses password sign-in until you
                choose a new password on this page.
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
