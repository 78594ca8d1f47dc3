// After a sign-in with a backup code that leaves few codes: say so before moving on, with the
// way to make new ones one click away. (The server also raises a security event for it.)
import { Alert, Button, Center, Group, Paper, Stack, Title } from '@mantine/core';
import { Link } from 'react-router-dom';

/** At or below this many backup codes left, the person is warned (the server's threshold too). */
export const LOW_BACKUP_CODES = 2;

export function lowBackupCodesAfter(outcome: { method: 'totp' | 'backup_code'; backupCodesRemaining: number }): number | null {
  return outcome.method === 'backup_code' && outcome.backupCodesRemaining <= LOW_BACKUP_CODES ? outcome.backupCodesRemaining : null;
}

export function LowBackupCodesNotice({ remaining, next }: { remaining: number; next: string }) {
  const left = remaining === 0 ? 'No backup codes left' : remaining === 1 ? 'Only 1 backup code left' : `Only ${remaining} backup codes left`;
  return (
    <Center py="xl">
      <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={460}>
        <Stack gap="lg">
          <Title order={2}>Signed in</Title>
          <Alert color="orange" title={left} role="status" data-testid="backup-codes-low-notice">
            You signed in with a backup code. If you lose your authenticator app and run out of backup codes, you will be locked out of this account. Make new backup codes now
            and keep them somewhere safe.
          </Alert>
          <Group gap="sm">
            <Button component={Link} to="/settings/security" replace>
              Make new backup codes
            </Button>
            <Button component={Link} to={next} replace variant="default">
              Continue
            </Button>
          </Group>
        </Stack>
      </Paper>
    </Center>
  );
}
