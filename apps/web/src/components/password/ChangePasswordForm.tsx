// Change the password of the signed-in account: current password, new password (checked live
// against the shared policy), and the new one once more so a typo cannot lock the person out.
// The server signs out every other session of the account when it succeeds.
import { Alert, Button, List, PasswordInput, Stack } from '@mantine/core';
import { evaluatePassword, PASSWORD_MIN, PASSWORD_MIN_SINGLE_FACTOR } from '@jutsu/shared';
import { useDeferredValue, useMemo, useState, type FormEvent } from 'react';
import { markPasswordChanged } from '../../auth/session.ts';
import { describeApiError, errorReasonOf, passwordProblemsOf, retryAfterOf } from '../../lib/api-errors.ts';
import { trpc } from '../../trpc.ts';
import { PasswordStrengthMeter } from './PasswordStrengthMeter.tsx';

interface ChangePasswordFormProps {
  username: string;
  hasSecondFactor: boolean;
}

interface Refusal {
  title: string;
  message: string;
  problems?: string[];
}

function describeRefusal(error: unknown): Refusal {
  switch (errorReasonOf(error)) {
    case 'INVALID_CREDENTIALS':
      return { title: 'Password not changed', message: 'The current password is not correct.' };
    case 'WEAK_PASSWORD':
      return { title: 'Password not changed', message: 'The new password does not meet the rules:', problems: passwordProblemsOf(error) };
    case 'RATE_LIMITED':
      return { title: 'Too many attempts', message: `Too many attempts. Try again in ${retryAfterOf(error) ?? 60} s.` };
    default:
      return { title: 'Password not changed', message: describeApiError(error) };
  }
}

function otherSessionsLine(count: number): string {
  if (count === 0) return 'No other sessions were open.';
  return count === 1 ? '1 other session was signed out.' : `${count} other sessions were signed out.`;
}

export function ChangePasswordForm({ username, hasSecondFactor }: ChangePasswordFormProps) {
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [changed, setChanged] = useState<string | null>(null);
  const utils = trpc.useUtils();
  const change = trpc.auth.changePassword.useMutation();

  // The estimator takes a few milliseconds per call; deferring keeps typing smooth.
  const typed = useDeferredValue(newPassword);
  const verdict = useMemo(() => (typed ? evaluatePassword({ password: typed, username, hasSecondFactor }) : null), [typed, username, hasSecondFactor]);
  const confirmationDiffers = confirmation.length > 0 && confirmation !== newPassword;
  const ready = currentPassword.length > 0 && verdict?.ok === true && typed === newPassword && confirmation === newPassword;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!ready) return;
    setRefusal(null);
    setChanged(null);
    change.mutate(
      { currentPassword, newPassword },
      {
        onSuccess: (result) => {
          setCurrentPassword('');
          setNewPassword('');
          setConfirmation('');
          setChanged(`Password changed. ${otherSessionsLine(result.otherSessionsRevoked)}`);
          markPasswordChanged();
          void utils.auth.sessions.invalidate();
        },
        onError: (error) => setRefusal(describeRefusal(error)),
      },
    );
  };

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md" maw={480}>
        {changed && (
          <Alert color="green" role="status" data-testid="password-changed">
            {changed}
          </Alert>
        )}
        {refusal && (
          <Alert color="red" title={refusal.title}>
            {refusal.message}
            {refusal.problems && refusal.problems.length > 0 && (
              <List size="sm" mt={4}>
                {refusal.problems.map((p) => (
                  <List.Item key={p}>{p}</List.Item>
                ))}
              </List>
            )}
          </Alert>
        )}
        <PasswordInput
          label="Current password"
          name="current-password"
          autoComplete="current-password"
          value={currentPassword}
          onChange={(e) => setCurrentPassword(e.currentTarget.value)}
        />
        <PasswordInput
          label="New password"
          name="new-password"
          autoComplete="new-password"
          description={`At least ${hasSecondFactor ? PASSWORD_MIN : PASSWORD_MIN_SINGLE_FACTOR} characters. A few unrelated words work well.`}
          value={newPassword}
          onChange={(e) => setNewPassword(e.currentTarget.value)}
        />
        <PasswordStrengthMeter verdict={verdict} />
        <PasswordInput
          label="Confirm new password"
          name="confirm-password"
          autoComplete="new-password"
          value={confirmation}
          onChange={(e) => setConfirmation(e.currentTarget.value)}
          error={confirmationDiffers ? 'This does not match the new password.' : undefined}
        />
        <Button type="submit" disabled={!ready} loading={change.isPending} style={{ alignSelf: 'flex-start' }}>
          Change password
        </Button>
      </Stack>
    </form>
  );
}
