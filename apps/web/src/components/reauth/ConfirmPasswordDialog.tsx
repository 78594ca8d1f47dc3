// Step-up: the server refuses a sensitive change (REAUTH_REQUIRED) when the sign-in is not
// recent; this dialog asks for the password, confirms it with auth.reauthenticate (which marks
// this session as freshly signed in) and tells the caller, who then repeats the change.
// Most screens use it through useStepUp() (use-step-up.tsx), which does the retry.
import { Modal, Stack, Text } from '@mantine/core';
import type { FormEvent } from 'react';
import { describeApiError, errorReasonOf, retryAfterOf } from '../../lib/api-errors.ts';
import { useFormFields } from '../../lib/use-form-fields.ts';
import { trpc } from '../../trpc.ts';
import { PasskeyStepUp } from './PasskeyStepUp.tsx';
import { FormActions } from '../FormActions.tsx';
import { CurrentPasswordInput } from '../password/CurrentPasswordInput.tsx';

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
  const form = useFormFields({ password: '' });
  const reauthenticate = trpc.auth.reauthenticate.useMutation();

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const { password } = form.values;
    if (!form.check({ password: password ? undefined : 'Enter your password.' })) return;
    reauthenticate.mutate(
      { password },
      {
        onSuccess: () => {
          form.reset('password');
          onConfirmed();
        },
        onError: (err) => form.refuse(refusalMessage(err)),
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
        <CurrentPasswordInput label="Your password" field={form.field('password')} data-autofocus />
        <FormActions error={form.refusal} onCancel={onCancel} submitLabel="Confirm password" pending={reauthenticate.isPending} />
        <PasskeyStepUp onConfirmed={onConfirmed} />
      </Stack>
    </form>
  );
}
