// Admin → Security log: the tamper-evident record of sensitive actions, newest first. Filter by
// severity, event type and user; older events page in with "Load more" (keyset cursor).
import { Alert, Anchor, Autocomplete, Button, Card, Group, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { SECURITY_EVENT_SEVERITIES } from '@jutsu/shared';
import { useMemo, useState } from 'react';
import { trpc } from '../../trpc.ts';
import { SecurityEventRow } from './security-log/SecurityEventRow.tsx';
import { KNOWN_EVENT_TYPES, SEVERITY_LABEL, type Severity } from './security-log/events.ts';
import { QueryStatus } from '../../components/QueryStatus.tsx';
import { TableHead } from '../../components/TableHead.tsx';

const PAGE_SIZE = 25;
/** The server's rule for a type filter (securityEventsListInput). */
const TYPE_SHAPE = /^[A-Za-z0-9_.:-]{1,128}$/;

function isSeverity(value: string | null): value is Severity {
  return value !== null && (SECURITY_EVENT_SEVERITIES as readonly string[]).includes(value);
}

export function SecurityLogPage() {
  const [severity, setSeverity] = useState<Severity | null>(null);
  const [typeText, setTypeText] = useState('');
  const [userId, setUserId] = useState<string | null>(null);
  const [debouncedType] = useDebouncedValue(typeText.trim(), 400);
  const typeInvalid = debouncedType !== '' && !TYPE_SHAPE.test(debouncedType);
  const type = debouncedType && !typeInvalid ? debouncedType : undefined;

  const users = trpc.admin.users.list.useQuery();
  const events = trpc.admin.securityEvents.list.useInfiniteQuery(
    { limit: PAGE_SIZE, ...(severity ? { severity } : {}), ...(type ? { type } : {}), ...(userId ? { userId } : {}) },
    { getNextPageParam: (last) => last.nextCursor ?? undefined, enabled: !typeInvalid },
  );
  const rows = useMemo(() => events.data?.pages.flatMap((page) => page.items) ?? [], [events.data]);
  const typeSuggestions = useMemo(() => [...new Set([...KNOWN_EVENT_TYPES, ...rows.map((row) => row.type)])].sort(), [rows]);
  const userOptions = (users.data ?? []).map((u) => ({ value: u.id, label: u.username }));
  const filtered = severity !== null || typeText.trim() !== '' || userId !== null;

  const clearFilters = () => {
    setSeverity(null);
    setTypeText('');
    setUserId(null);
  };

  return (
    <Stack gap="lg">
      <div>
        <Title order={2}>Security log</Title>
        <Text c="dimmed" size="sm">
          Sign-ins, account changes, invitations and refusals, newest first. Each entry is chained to the one before it, so tampering shows.
        </Text>
      </div>
      <Card withBorder padding="lg" aria-labelledby="security-log-title">
        <Title order={3} size="h4" id="security-log-title" mb="md">
          Events
        </Title>
        <Group align="flex-start" gap="md" mb="md" wrap="wrap" role="search" aria-label="Filter the security log">
          <Select
            label="Severity"
            placeholder="All severities"
            data={SECURITY_EVENT_SEVERITIES.map((s) => ({ value: s, label: SEVERITY_LABEL[s] }))}
            value={severity}
            onChange={(value) => setSeverity(isSeverity(value) ? value : null)}
            clearable
            w={170}
          />
          <Autocomplete
            label="Event type"
            placeholder="All types, e.g. auth.login"
            data={typeSuggestions}
            value={typeText}
            onChange={setTypeText}
            error={typeInvalid ? 'Letters, digits and . _ : - only' : undefined}
            limit={50}
            maxDropdownHeight={280}
            w={260}
          />
          <Select
            label="User"
            placeholder="All users"
            data={userOptions}
            value={userId}
            onChange={setUserId}
            searchable
            clearable
            nothingFoundMessage="No such user"
            w={200}
          />
          {filtered && (
            <Button variant="subtle" onClick={clearFilters} mt={25}>
              Clear filters
            </Button>
          )}
          <Button variant="default" onClick={() => void events.refetch()} loading={events.isRefetching && !events.isFetchingNextPage} mt={25} ml="auto">
            Refresh
          </Button>
        </Group>

        {!typeInvalid && <QueryStatus query={events} loading="Loading events…" failed="Security log unavailable" />}
        {events.data && rows.length === 0 && <Text c="dimmed">{filtered ? 'No events match these filters.' : 'No events yet.'}</Text>}
        {rows.length > 0 && (
          <Table.ScrollContainer minWidth={960}>
            <Table verticalSpacing="xs" striped data-testid="security-log">
              <TableHead columns={['Time', 'Event', 'Severity', 'User', 'IP address', 'Details']} />
              <Table.Tbody>
                {rows.map((event) => (
                  <SecurityEventRow key={event.id} event={event} onFilterUser={setUserId} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {rows.length > 0 && (
          <Group justify="space-between" mt="md">
            <Text size="sm" c="dimmed" data-testid="security-log-count">
              Showing {rows.length} {rows.length === 1 ? 'event' : 'events'}
              {events.hasNextPage ? '' : ' (all)'}
            </Text>
            {events.hasNextPage ? (
              <Button variant="light" onClick={() => void events.fetchNextPage()} loading={events.isFetchingNextPage}>
                Load more
              </Button>
            ) : (
              <Text size="sm" c="dimmed">
                No older events.
              </Text>
            )}
          </Group>
        )}
        {events.isFetchNextPageError && (
          <Alert color="red" role="alert" mt="md" title="Could not load older events">
            <Anchor component="button" type="button" onClick={() => void events.fetchNextPage()}>
              Try again
            </Anchor>
          </Alert>
        )}
      </Card>
    </Stack>
  );
}
