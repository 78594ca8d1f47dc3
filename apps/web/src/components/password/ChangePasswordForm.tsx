// Change the password of the signed-in account: current password, new password (checked live
// against the shared policy), and the new one once more so a typo cannot lock the person out.
// The server signs out every other session of the account when it succeeds.
import { Alert, Button, Group, Stack, Text } from '@mantine/core';
import { changePasswordHint } from './change-password-hint.ts';
import { PASSWORD_MIN, PASSWORD_MIN_SINGLE_FACTOR } from '@jutsu/shared';
import { useState, type FormEvent } from 'react';
import { markPasswordChanged } from '../../auth/session.ts';
import { describeApiError, errorReasonOf, passwordProblemsOf, retryAfterOf } from '../../lib/api-errors.ts';
import { useFormFields } from '../../lib/use-form-fields.ts';
import { trpc } from '../../trpc.ts';
import { RefusalAlert, type Refusal } from '../RefusalAlert.tsx';
import { CurrentPasswordInput } from './CurrentPasswordInput.tsx';
import { NewPasswordFields, usePasswordVerdict } from './NewPasswordFields.tsx';

interface ChangePasswordFormProps {
  username: string;
  hasSecondFactor: boolean;
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
  const form = useFormFields<{ currentPassword: string; newPassword: string; confirmation: string }, Refusal>({
    currentPassword: '',
    newPassword: '',
    confirmation: '',
  });
  const { currentPassword, newPassword, confirmation } = form.values;
  const [changed, setChanged] = useState<string | null>(null);
  const utils = trpc.useUtils();
  const change = trpc.auth.changePassword.useMutation();

  const { verdict, settled } = usePasswordVerdict(newPassword, username, hasSecondFactor);
  const hint = changePasswordHint({ currentPassword, newPassword, confirmation, meetsRules: verdict?.ok, settled });
  const ready = hint === null;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!ready) return;
    form.check({});
    setChanged(null);
    change.mutate(
      { currentPassword, newPassword },
      {
        onSuccess: (result) => {
          form.reset('currentPassword', 'newPassword', 'confirmation');
          setChanged(`Password changed. ${otherSessionsLine(result.otherSessionsRevoked)}`);
          markPasswordChanged();
          void utils.auth.sessions.invalidate();
        },
        onError: (error) => form.refuse(describeRefusal(error)),
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
        {form.refusal && <RefusalAlert refusal={form.refusal} />}
        <CurrentPasswordInput label="Current password" field={form.field('currentPassword')} />
        <NewPasswordFields
          label="New password"
          minLength={hasSecondFactor ? PASSWORD_MIN : PASSWORD_MIN_SINGLE_FACTOR}
          password={form.field('newPassword')}
          confirmation={form.field('confirmation')}
          verdict={verdict}
        />
        <Group gap="sm" align="center">
          <Button type="submit" disabled={!ready} loading={change.isPending} aria-describedby={hint ? 'change-password-hint' : undefined}>
            Change password
          </Button>
          {hint && (
            <Text id="change-password-hint" size="sm" c="dimmed" data-testid="change-password-hint">
              {hint}
            </Text>
          )}
        </Group>
      </Stack>
    </form>
  );
}
