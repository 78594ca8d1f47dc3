// The two changes that need proof of the second factor itself: new backup codes (a code) and
// turning two-factor off (the password and a code). A code is from the authenticator app or
// one of the backup codes; the server tells them apart.
import { Modal, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { trpc } from '../../../../trpc.ts';
import { describeTwoFactorError } from './two-factor-errors.ts';
import { FormActions } from '../../../../components/FormActions.tsx';

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
  const [code, setCode] = useState('');
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const regenerate = trpc.twoFactor.regenerateBackupCodes.useMutation();

  const close = () => {
    setCode('');
    setFieldError(undefined);
    setError(null);
    onClose();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!codeValue(code)) {
      setFieldError('Enter a code.');
      return;
    }
    setFieldError(undefined);
    setError(null);
    try {
      const result = await regenerate.mutateAsync({ code: codeValue(code) });
      setCode('');
      onRegenerated(result.backupCodes);
    } catch (err) {
      setError(describeTwoFactorError(err).message);
      setCode('');
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
            value={code}
            onChange={(e) => setCode(e.currentTarget.value)}
            error={fieldError}
            autoComplete="one-time-code"
            autoCapitalize="none"
            spellCheck={false}
            maxLength={64}
            data-autofocus
          />
          <FormActions error={error} onCancel={close} submitLabel="Make new codes" pending={regenerate.isPending} />
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
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [missing, setMissing] = useState<{ password?: string; code?: string }>({});
  const [error, setError] = useState<string | null>(null);
  const disable = trpc.twoFactor.disable.useMutation();

  const close = () => {
    setPassword('');
    setCode('');
    setMissing({});
    setError(null);
    onClose();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const nowMissing = {
      ...(password ? {} : { password: 'Enter your password.' }),
      ...(codeValue(code) ? {} : { code: 'Enter a code.' }),
    };
    setMissing(nowMissing);
    if (nowMissing.password || nowMissing.code) return;
    setError(null);
    try {
      const result = await disable.mutateAsync({ password, code: codeValue(code) });
      setPassword('');
      setCode('');
      onDisabled({ otherSessionsRevoked: result.otherSessionsRevoked, mustChangePassword: result.mustChangePassword });
    } catch (err) {
      setError(describeTwoFactorError(err).message);
      setCode('');
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
          <PasswordInput
            label="Password"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={missing.password}
            autoComplete="current-password"
            data-autofocus
          />
          <TextInput
            label="Code"
            description={CODE_DESCRIPTION}
            value={code}
            onChange={(e) => setCode(e.currentTarget.value)}
            error={missing.code}
            autoComplete="one-time-code"
            autoCapitalize="none"
            spellCheck={false}
            maxLength={64}
          />
          <FormActions error={error} onCancel={close} submitLabel="Turn off two-factor" pending={disable.isPending} submitColor="red" />
        </Stack>
      </form>
    </Modal>
  );
}
