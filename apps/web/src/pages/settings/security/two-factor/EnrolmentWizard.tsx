// Enrolment, steps 1 and 2: scan the QR code (or type the secret by hand), then prove the app
// has it with one code. On success the server turns two-factor on and returns the backup
// codes (step 3, BackupCodesPanel, shown by the caller).
import { Alert, Box, Button, Group, Image, Stack, Text, TextInput, Title } from '@mantine/core';
import type { FormEvent } from 'react';
import { formatClockTime } from '../../../../lib/format.ts';
import { useFormFields } from '../../../../lib/use-form-fields.ts';
import { trpc } from '../../../../trpc.ts';
import { describeTwoFactorError, totpDigits, type TwoFactorProblem } from './two-factor-errors.ts';

export interface PendingSetup {
  secret: string;
  otpauthUri: string;
  qrDataUrl: string;
  expiresAt: Date;
}

export interface EnabledResult {
  backupCodes: string[];
  otherSessionsRevoked: number;
}

interface EnrolmentWizardProps {
  setup: PendingSetup;
  onEnabled: (result: EnabledResult) => void;
  onCancel: () => void;
  /** Asks the server for a new secret (the old one expired or was replaced). */
  onRestart: () => void;
  restarting: boolean;
}

/** The secret in groups of four for reading and typing; the text itself has no spaces. */
function SecretText({ secret }: { secret: string }) {
  const groups = secret.match(/.{1,4}/g) ?? [secret];
  return (
    <Text component="span" ff="monospace" fz="md" fw={600} data-testid="totp-secret" style={{ wordBreak: 'break-all' }}>
      {groups.map((group, i) => (
        <span key={i} style={{ marginRight: i < groups.length - 1 ? '0.5em' : 0, display: 'inline-block' }}>
          {group}
        </span>
      ))}
    </Text>
  );
}

export function EnrolmentWizard({ setup, onEnabled, onCancel, onRestart, restarting }: EnrolmentWizardProps) {
  const enable = trpc.twoFactor.enable.useMutation();
  // An expired setup stays explained (with its "Start again") however the code is edited.
  const form = useFormFields<{ code: string }, TwoFactorProblem>({ code: '' }, { keepRefusal: (refusal) => refusal.restartSetup === true });
  const problem = form.refusal;

  const verify = async (event: FormEvent) => {
    event.preventDefault();
    const digits = totpDigits(form.values.code);
    if (!form.check({ code: digits ? undefined : 'Enter the 6-digit code your app shows.' }) || !digits) return;
    try {
      const result = await enable.mutateAsync({ code: digits });
      onEnabled({ backupCodes: result.backupCodes, otherSessionsRevoked: result.otherSessionsRevoked });
    } catch (error) {
      form.refuse(describeTwoFactorError(error));
      form.reset('code');
    }
  };

  return (
    <form onSubmit={(e) => void verify(e)} noValidate data-testid="two-factor-wizard">
      <Stack gap="md">
        <Title order={4} size="h5">
          1. Add Jutsu Labs to your authenticator app
        </Title>
        <Group align="flex-start" gap="lg" wrap="wrap">
          <Box p={4} bg="white" style={{ borderRadius: 8, border: '1px solid var(--mantine-color-default-border)', lineHeight: 0 }}>
            <Image src={setup.qrDataUrl} alt="QR code for your authenticator app" w={192} h={192} fit="contain" />
          </Box>
          <Stack gap="xs" maw={420} style={{ flex: '1 1 260px' }}>
            <Text size="sm">Scan the QR code with an authenticator app (for example 1Password, Aegis, Google Authenticator or Microsoft Authenticator).</Text>
            <Text size="sm">Cannot scan it? Choose “enter a setup key” in the app and type this key (time-based, 6 digits):</Text>
            <SecretText secret={setup.secret} />
            <Text size="xs" c="dimmed">
              This setup expires at {formatClockTime(setup.expiresAt)}. Do not share the QR code or the key: anyone who has them can make your codes.
            </Text>
          </Stack>
        </Group>

        <Title order={4} size="h5">
          2. Enter the code the app shows
        </Title>
        <TextInput
          label="Code"
          name="code"
          {...form.field('code')}
          inputMode="numeric"
          autoComplete="one-time-code"
          spellCheck={false}
          maxLength={9}
          maw={220}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', letterSpacing: '0.15em' } }}
        />
        {problem && (
          <Alert color="red" role="alert" title="Two-factor is not on yet">
            {problem.message}
          </Alert>
        )}
        <Group gap="sm">
          {problem?.restartSetup ? (
            <Button onClick={onRestart} loading={restarting}>
              Start again
            </Button>
          ) : (
            <Button type="submit" loading={enable.isPending}>
              Verify
            </Button>
          )}
          <Button variant="default" onClick={onCancel} disabled={enable.isPending}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
