// One security event: when, what, how serious, who (click to show only theirs), from where.
import { Anchor, Badge, Table, Text } from '@mantine/core';
import { formatDateTime } from '../../../lib/format.ts';
import { fullDetails, SEVERITY_COLOR, SEVERITY_LABEL, summariseDetails, type SecurityEvent } from './events.ts';

interface SecurityEventRowProps {
  event: SecurityEvent;
  onFilterUser: (userId: string) => void;
}

export function SecurityEventRow({ event, onFilterUser }: SecurityEventRowProps) {
  const details = summariseDetails(event.details);
  const failed = event.details.outcome === 'failure';
  const { userId, username } = event;
  return (
    <Table.Tr data-testid="security-event" data-type={event.type} data-severity={event.severity}>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>
        <Text size="sm">{formatDateTime(event.createdAt)}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" ff="monospace" fw={500}>
          {event.type}
        </Text>
        {failed && (
          <Text size="xs" c="red.8" fw={600}>
            refused
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Badge color={SEVERITY_COLOR[event.severity]} variant={event.severity === 'info' ? 'light' : 'filled'}>
          {SEVERITY_LABEL[event.severity]}
        </Badge>
      </Table.Td>
      <Table.Td>
        {userId && username ? (
          <Anchor component="button" type="button" size="sm" onClick={() => onFilterUser(userId)} title={`Show only events of ${username}`}>
            {username}
          </Anchor>
        ) : (
          <Text size="sm" c={username ? undefined : 'dimmed'}>
            {username ?? '—'}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Text size="sm" ff="monospace" title={event.userAgent ?? undefined}>
          {event.ip ?? '—'}
        </Text>
      </Table.Td>
      <Table.Td maw={360}>
        <Text size="xs" c="dimmed" lineClamp={2} title={fullDetails(event.details) || undefined}>
          {details || '—'}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}
