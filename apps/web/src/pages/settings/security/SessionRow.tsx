// One signed-in session: its name (or the browser), the browser under a given name, how it was
// opened, where from, first and last seen. The current one is marked "This device" and cannot
// be revoked here (signing out does that); every session can be named.
import { Badge, Button, Group, Stack, Table, Text } from '@mantine/core';
import type { AppRouter } from '@jutsu/api/router';
import type { inferRouterOutputs } from '@trpc/server';
import { formatDateTime } from '../../../lib/format.ts';
import { signInMethodLabel } from './session-labels.ts';

export type SessionSummary = inferRouterOutputs<AppRouter>['auth']['sessions'][number];

interface SessionRowProps {
  session: SessionSummary;
  revoking: boolean;
  onRevoke: () => void;
  onRename: () => void;
}

export function SessionRow({ session, revoking, onRevoke, onRename }: SessionRowProps) {
  const deviceId = `session-${session.id}-device`;
  const title = session.name ?? session.device;
  return (
    <Table.Tr data-testid="session-row" data-current={session.current || undefined}>
      <Table.Td>
        <Stack gap={0}>
          <Group gap="xs" wrap="nowrap">
            <Text id={deviceId} size="sm" fw={500} data-testid="session-name">
              {title}
            </Text>
            {session.current && (
              <Badge color="green" variant="light" size="sm">
                This device
              </Badge>
            )}
          </Group>
          {session.name && (
            <Text size="xs" c="dimmed">
              {session.device}
            </Text>
          )}
        </Stack>
      </Table.Td>
      <Table.Td>
        <Text size="sm" data-testid="session-method">
          {signInMethodLabel(session.methods)}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" ff="monospace">
          {session.ip ?? 'Unknown'}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{formatDateTime(session.createdAt)}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{formatDateTime(session.lastUsedAt)}</Text>
      </Table.Td>
      <Table.Td ta="right">
        <Group gap="xs" justify="flex-end" wrap="nowrap">
          <Button size="xs" variant="default" onClick={onRename} aria-describedby={deviceId}>
            {session.name ? 'Rename' : 'Name'}
          </Button>
          {!session.current && (
            <Button size="xs" variant="subtle" color="red" onClick={onRevoke} loading={revoking} aria-describedby={deviceId}>
              Revoke
            </Button>
          )}
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}
