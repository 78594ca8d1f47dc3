// What the account's second factor looks like now: on since when, how many backup codes are
// left (a visible warning at two or fewer), when a code was last used, and the actions.
import { Alert, Button, Group, Stack, Table, Text } from '@mantine/core';
import type { AppRouter } from '@jutsu/api/router';
import type { inferRouterOutputs } from '@trpc/server';
import { formatDateTime } from '../../../../lib/format.ts';

export type TwoFactorStatusData = inferRouterOutputs<AppRouter>['twoFactor']['status'];

/** Matches the server's threshold for the "backup codes low" security event. */
export const BACKUP_CODES_LOW = 2;

export function backupCodesLeftText(n: number): string {
  return n === 0 ? 'no backup codes' : n === 1 ? '1 backup code' : `${n} backup codes`;
}

const METHOD_PHRASES = { totp: 'with the authenticator app', backup_code: 'with a backup code' } as const;

function lastUsedText(status: TwoFactorStatusData): string {
  if (!status.lastUsedAt) return 'Not used yet';
  const at = formatDateTime(status.lastUsedAt);
  return status.lastUsedMethod ? `${at}, ${METHOD_PHRASES[status.lastUsedMethod]}` : at;
}

interface EnabledStatusProps {
  status: TwoFactorStatusData;
  onRegenerate: () => void;
  onDisable: () => void;
}

export function EnabledStatus({ status, onRegenerate, onDisable }: EnabledStatusProps) {
  const remaining = status.backupCodesRemaining;
  const low = remaining <= BACKUP_CODES_LOW;
  return (
    <Stack gap="sm">
      <Text size="sm">A code from your authenticator app (or a backup code) is asked for after your password.</Text>
      <Table variant="vertical" layout="fixed" withTableBorder={false} maw={520} fz="sm">
        <Table.Tbody>
          <Table.Tr>
            <Table.Th w={170}>On since</Table.Th>
            <Table.Td data-testid="two-factor-enabled-since">{status.enabledAt ? formatDateTime(status.enabledAt) : '—'}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>Backup codes left</Table.Th>
            <Table.Td>
              <Text span size="sm" fw={low ? 700 : undefined} c={low ? 'orange' : undefined} data-testid="backup-codes-remaining">
                {remaining}
              </Text>
              <Text span size="sm" c="dimmed">
                {' '}
                of 10
              </Text>
            </Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>Last used</Table.Th>
            <Table.Td data-testid="two-factor-last-used">
              {lastUsedText(status)}
            </Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
      {low && (
        <Alert color="orange" role="status" title={remaining === 0 ? 'No backup codes left' : `Only ${backupCodesLeftText(remaining)} left`} data-testid="backup-codes-low">
          If you lose your authenticator app you may be locked out. Regenerate backup codes now and keep the new ones somewhere safe.
        </Alert>
      )}
      <Group gap="sm" mt="xs">
        <Button variant={low ? 'filled' : 'light'} color={low ? 'orange' : undefined} onClick={onRegenerate}>
          Regenerate backup codes
        </Button>
        <Button color="red" variant="light" onClick={onDisable}>
          Disable two-factor
        </Button>
      </Group>
    </Stack>
  );
}
