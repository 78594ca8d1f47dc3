// One signed-in session. The current one is marked "This device" and cannot be revoked here
// (signing out does that); every other one has its own Revoke button.
import { Badge, Button, Group, Table, Text } from '@mantine/core';
import type { AppRouter } from '@jutsu/api/router';
import type { inferRouterOutputs } from '@trpc/server';
import { formatDateTime } from '../../../lib/format.ts';

export type SessionSummary = inferRouterOutputs<AppRouter>['auth']['sessions'][number];

interface SessionRowProps {
  session: SessionSummary;
  revoking: boolean;
  onRevoke: () => void;
}

export function SessionRow({ session, revoking, onRevoke }: SessionRowProps) {
  const deviceId = `session-${session.id}-device`;
  return (
    <Table.Tr data-testid="session-row" data-current={session.current || undefined}>
      <Table.Td>
        <Group gap="xs" wrap="nowrap">
          <Text id={deviceId} size="sm" fw={500}>
            {session.device}
          </Text>
          {session.current && (
            <Badge color="green" variant="light" size="sm">
              This device
            </Badge>
          )}
        </Group>
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
        {!session.current && (
          <Button size="xs" variant="subtle" color="red" onClick={onRevoke} loading={revoking} aria-describedby={deviceId}>
            Revoke
          </Button>
        )}
      </Table.Td>
    </Table.Tr>
  );
}
