// Step-up: the server refuses a sensitive change (REAUTH_REQUIRED) when the sign-in is not
// recent; this dialog asks for the password, confirms it with auth.reauthenticate (which marks
// this session as freshly signed in) and tells the caller, who then repeats the change.
// Most screens use it through useStepUp() (use-step-up.tsx), which does the retry.
import { Modal, PasswordInput, Stack, Text } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { describeApiError, errorReasonOf, retryAfterOf } from '../../lib/api-errors.ts';
import { trpc } from '../../trpc.ts';
import { PasskeyStepUp } from './PasskeyStepUp.tsx';
import { FormActions } from '../FormActions.tsx';

export interface ConfirmPasswordDialogProps {
  opened: boolean;
  /** The password was accepted: the session counts as freshly signed in for a few minutes. */
  onConfirmed: () => void;
  onCancel: () => void;
  /** What is being confirmed, e.g. "Creating an invitation". */
  action?: string;
}

function refusalMessage(error: unknown): string {
  switch (errorReasonOf(error)) {
    case 'INVALID_CREDENTIALS':
      return 'That password is not correct.';
    case 'RATE_LIMITED':
      return `Too many attempts. Try again in ${retryAfterOf(error) ?? 60} s.`;
    default:
      return describeApiError(error);
  }
}

export function ConfirmPasswordDialog({ opened, onConfirmed, onCancel, action }: ConfirmPasswordDialogProps) {
  return (
    <Modal opened={opened} onClose={onCancel} title="Confirm it is you" centered>
      {/* Mounted only while open, so the password never outlives the dialog. */}
      {opened && <ConfirmPasswordForm onConfirmed={onConfirmed} onCancel={onCancel} action={action} />}
    </Modal>
  );
}

function ConfirmPasswordForm({ onConfirmed, onCancel, action }: Omit<ConfirmPasswordDialogProps, 'opened'>) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const reauthenticate = trpc.auth.reauthenticate.useMutation();

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!password) {
      setError('Enter your password.');
      return;
    }
    setError(null);
    reauthenticate.mutate(
      { password },
      {
        onSuccess: () => {
          setPassword('');
          onConfirmed();
        },
        onError: (err) => setError(refusalMessage(err)),
      },
    );
  };

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <Text size="sm">
          {action ? `${action} is a sensitive change` : 'This is a sensitive change'} and your sign-in is not recent. Enter your password to
          continue.
        </Text>
        <PasswordInput
          label="Your password"
          name="current-password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
          data-autofocus
        />
        <FormActions error={error} onCancel={onCancel} submitLabel="Confirm password" pending={reauthenticate.isPending} />
        <PasskeyStepUp onConfirmed={onConfirmed} />
      </Stack>
    </form>
  );
}
