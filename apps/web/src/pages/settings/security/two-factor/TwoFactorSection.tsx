// Settings → Security → Two-factor: the status, the enrolment wizard (QR code and key, one
// code to confirm, backup codes), new backup codes, and turning it off.
// Starting a setup needs a recent sign-in: the server answers REAUTH_REQUIRED otherwise and
// useStepUp asks for the password and retries.
import { Alert, Badge, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { StepUpCancelled, useStepUp } from '../../../../components/reauth/use-step-up.tsx';
import { describeApiError, errorReasonOf } from '../../../../lib/api-errors.ts';
import { trpc } from '../../../../trpc.ts';
import { BackupCodesPanel } from './BackupCodesPanel.tsx';
import { EnrolmentWizard, type EnabledResult, type PendingSetup } from './EnrolmentWizard.tsx';
import { patchSignedInUser } from './signed-in-user-patch.ts';
import { describeTwoFactorError } from './two-factor-errors.ts';
import { DisableTwoFactorDialog, RegenerateBackupCodesDialog, type DisabledResult } from './TwoFactorDialogs.tsx';
import { EnabledStatus } from './TwoFactorStatus.tsx';

type View =
  | { kind: 'status' }
  | { kind: 'enrol'; setup: PendingSetup }
  | { kind: 'codes'; codes: string[]; title: string; note?: string | undefined };

function sessionsSignedOut(n: number): string {
  if (n === 0) return '';
  return n === 1 ? ' 1 other session was signed out.' : ` ${n} other sessions were signed out.`;
}

export function TwoFactorSection() {
  const utils = trpc.useUtils();
  const status = trpc.twoFactor.status.useQuery();
  const setup = trpc.twoFactor.setup.useMutation();
  const { withStepUp, stepUpDialog } = useStepUp();
  const [view, setView] = useState<View>({ kind: 'status' });
  const [dialog, setDialog] = useState<'disable' | 'regenerate' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const refreshStatus = () => void utils.twoFactor.status.invalidate();

  const startSetup = async () => {
    setError(null);
    setNotice(null);
    try {
      const pending = await withStepUp(() => setup.mutateAsync());
      setView({ kind: 'enrol', setup: pending });
    } catch (err) {
      if (err instanceof StepUpCancelled) return;
      if (errorReasonOf(err) === 'TWO_FACTOR_ALREADY_ENABLED') refreshStatus();
      setView({ kind: 'status' });
      setError(describeTwoFactorError(err).message);
    }
  };

  const enabled = (result: EnabledResult) => {
    patchSignedInUser({ twoFactorEnabled: true });
    refreshStatus();
    setView({
      kind: 'codes',
      codes: result.backupCodes,
      title: '3. Save your backup codes',
      note: `Two-factor sign-in is on.${sessionsSignedOut(result.otherSessionsRevoked)}`,
    });
  };

  const regenerated = (codes: string[]) => {
    setDialog(null);
    refreshStatus();
    setView({ kind: 'codes', codes, title: 'Your new backup codes', note: 'The previous backup codes no longer work.' });
  };

  const disabled = (result: DisabledResult) => {
    setDialog(null);
    refreshStatus();
    setNotice(`Two-factor sign-in is off.${sessionsSignedOut(result.otherSessionsRevoked)}`);
    // With mustChangePassword the layout shows the forced password change in place of this page.
    patchSignedInUser(result.mustChangePassword ? { twoFactorEnabled: false, mustChangePassword: true } : { twoFactorEnabled: false });
  };

  const s = status.data;
  return (
    <Card withBorder padding="lg" aria-labelledby="two-factor-title" data-testid="two-factor-section">
      {stepUpDialog}
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h4" id="two-factor-title">
          Two-factor sign-in
        </Title>
        {s && (
          <Badge color={s.enabled ? 'green' : 'gray'} variant="light" data-testid="two-factor-state">
            {s.enabled ? 'On' : 'Off'}
          </Badge>
        )}
      </Group>
      <Stack gap="sm">
        {error && (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        )}
        {notice && view.kind === 'status' && (
          <Alert color="blue" role="status" withCloseButton onClose={() => setNotice(null)} closeButtonLabel="Dismiss">
            {notice}
          </Alert>
        )}
        {view.kind === 'codes' ? (
          <BackupCodesPanel codes={view.codes} title={view.title} note={view.note} onDone={() => setView({ kind: 'status' })} />
        ) : view.kind === 'enrol' ? (
          <EnrolmentWizard
            setup={view.setup}
            onEnabled={enabled}
            onCancel={() => {
              setView({ kind: 'status' });
              refreshStatus();
            }}
            onRestart={() => void startSetup()}
            restarting={setup.isPending}
          />
        ) : status.isError ? (
          <Alert color="red" role="alert" title="Could not load two-factor settings">
            <Stack gap="xs" align="flex-start">
              <Text size="sm">{describeApiError(status.error)}</Text>
              <Button size="xs" variant="light" onClick={() => void status.refetch()}>
                Try again
              </Button>
            </Stack>
          </Alert>
        ) : !s ? (
          <Text size="sm" c="dimmed">
            Loading…
          </Text>
        ) : s.enabled ? (
          <EnabledStatus status={s} onRegenerate={() => setDialog('regenerate')} onDisable={() => setDialog('disable')} />
        ) : (
          <Stack gap="sm" align="flex-start">
            <Text size="sm">
              Protect the account with a second step after the password: a 6-digit code from an authenticator app on your phone, or a single-use backup code when you cannot use
              the app.
            </Text>
            {s.setupPending && (
              <Text size="sm" c="dimmed">
                A setup was started and not finished. Setting up again starts over with a new QR code.
              </Text>
            )}
            <Button onClick={() => void startSetup()} loading={setup.isPending}>
              Set up two-factor
            </Button>
          </Stack>
        )}
      </Stack>
      <RegenerateBackupCodesDialog opened={dialog === 'regenerate'} onClose={() => setDialog(null)} onRegenerated={regenerated} />
      <DisableTwoFactorDialog opened={dialog === 'disable'} onClose={() => setDialog(null)} onDisabled={disabled} />
    </Card>
  );
}
