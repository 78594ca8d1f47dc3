// One security event: when, what (in words, the type underneath for whoever searches code),
// how serious, who (click to show only theirs), from where, and the details as a sentence.
import { Anchor, Badge, Table, Text } from '@mantine/core';
import { describeSecurityEventDetails, securityEventLabel } from '@jutsu/shared';
import { formatDateTime } from '../../../lib/format.ts';
import { SEVERITY_COLOR, SEVERITY_LABEL, type SecurityEvent } from './events.ts';

interface SecurityEventRowProps {
  event: SecurityEvent;
  onFilterUser: (userId: string) => void;
}

export function SecurityEventRow({ event, onFilterUser }: SecurityEventRowProps) {
  const details = describeSecurityEventDetails(event.details);
  const failed = event.details.outcome === 'failure';
  const { userId, username } = event;
  return (
    <Table.Tr data-testid="security-event" data-type={event.type} data-severity={event.severity}>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>
        <Text size="sm">{formatDateTime(event.createdAt)}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" fw={600} c={failed ? 'red' : undefined}>
          {securityEventLabel(event.type, event.details)}
        </Text>
        <Text size="xs" c="dimmed" ff="monospace">
          {event.type}
        </Text>
      </Table.Td>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>
        {/* Never cut to "WARNI…": the label keeps its full width. */}
        <Badge
          color={SEVERITY_COLOR[event.severity]}
          variant={event.severity === 'info' ? 'light' : 'filled'}
          styles={{ root: { overflow: 'visible', flexShrink: 0 }, label: { overflow: 'visible', textOverflow: 'clip' } }}
        >
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
      <Table.Td maw={380}>
        <Text size="sm" lineClamp={3} title={details || undefined}>
          {details || '—'}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}
