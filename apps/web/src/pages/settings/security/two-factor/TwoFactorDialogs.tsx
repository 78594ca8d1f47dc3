// The two changes that need proof of the second factor itself: new backup codes (a code) and
// turning two-factor off (the password and a code). A code is from the authenticator app or
// one of the backup codes; the server tells them apart.
import { Modal, Stack, Text, TextInput } from '@mantine/core';
import type { FormEvent } from 'react';
import { useFormFields } from '../../../../lib/use-form-fields.ts';
import { trpc } from '../../../../trpc.ts';
import { describeTwoFactorError } from './two-factor-errors.ts';
import { FormActions } from '../../../../components/FormActions.tsx';
import { CurrentPasswordInput } from '../../../../components/password/CurrentPasswordInput.tsx';

const CODE_DESCRIPTION = 'The 6-digit code from your authenticator app, or one of your backup codes.';

function codeValue(raw: string): string {
  return raw.trim();
}

interface RegenerateProps {
  opened: boolean;
  onClose: () => void;
  onRegenerated: (codes: string[]) => void;
}

export function RegenerateBackupCodesDialog({ opened, onClose, onRegenerated }: RegenerateProps) {
  const form = useFormFields({ code: '' });
  const regenerate = trpc.twoFactor.regenerateBackupCodes.useMutation();

  const close = () => {
    form.reset();
    onClose();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const code = codeValue(form.values.code);
    if (!form.check({ code: code ? undefined : 'Enter a code.' })) return;
    try {
      const result = await regenerate.mutateAsync({ code });
      form.reset('code');
      onRegenerated(result.backupCodes);
    } catch (err) {
      form.refuse(describeTwoFactorError(err).message);
      form.reset('code');
    }
  };

  return (
    <Modal opened={opened} onClose={close} title="Regenerate backup codes" centered>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <Stack gap="md">
          <Text size="sm">You get 10 new codes. The ones you have now stop working at once.</Text>
          <TextInput
            label="Code"
            description={CODE_DESCRIPTION}
            {...form.field('code')}
            autoComplete="one-time-code"
            autoCapitalize="none"
            spellCheck={false}
            maxLength={64}
            data-autofocus
          />
          <FormActions error={form.refusal} onCancel={close} submitLabel="Make new codes" pending={regenerate.isPending} />
        </Stack>
      </form>
    </Modal>
  );
}

export interface DisabledResult {
  otherSessionsRevoked: number;
  mustChangePassword: boolean;
}

interface DisableProps {
  opened: boolean;
  onClose: () => void;
  onDisabled: (result: DisabledResult) => void;
}

export function DisableTwoFactorDialog({ opened, onClose, onDisabled }: DisableProps) {
  const form = useFormFields({ password: '', code: '' });
  const disable = trpc.twoFactor.disable.useMutation();

  const close = () => {
    form.reset();
    onClose();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { password } = form.values;
    const code = codeValue(form.values.code);
    if (!form.check({ password: password ? undefined : 'Enter your password.', code: code ? undefined : 'Enter a code.' })) return;
    try {
      const result = await disable.mutateAsync({ password, code });
      form.reset('password', 'code');
      onDisabled({ otherSessionsRevoked: result.otherSessionsRevoked, mustChangePassword: result.mustChangePassword });
    } catch (err) {
      form.refuse(describeTwoFactorError(err).message);
      form.reset('code');
    }
  };

  return (
    <Modal opened={opened} onClose={close} title="Disable two-factor" centered>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <Stack gap="md">
          <Text size="sm">
            Signing in will need only your password. Every other session of this account is signed out, and your backup codes stop working. With one factor the password needs at least 15
            characters: if yours is shorter, you choose a new one next.
          </Text>
          <CurrentPasswordInput label="Password" field={form.field('password')} data-autofocus />
          <TextInput
            label="Code"
            description={CODE_DESCRIPTION}
            {...form.field('code')}
            autoComplete="one-time-code"
            autoCapitalize="none"
            spellCheck={false}
            maxLength={64}
          />
          <FormActions error={form.refusal} onCancel={close} submitLabel="Turn off two-factor" pending={disable.isPending} submitColor="red" />
        </Stack>
      </form>
    </Modal>
  );
}
