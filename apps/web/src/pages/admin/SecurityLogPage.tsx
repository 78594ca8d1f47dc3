// Admin → Security log: the tamper-evident record of sensitive actions, newest first, in words.
// Filters (group, severity, user, days) live in the URL; older events page in with "Load more"
// (keyset cursor). The owner can export the filtered log as CSV (a POST answer saved as a file).
import { Alert, Anchor, Button, Card, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { SECURITY_EVENT_GROUP_LABEL, SECURITY_EVENT_GROUPS, SECURITY_EVENT_SEVERITIES, securityEventLabel, type SecurityEventGroup } from '@jutsu/shared';
import { useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { trpc } from '../../trpc.ts';
import { SecurityEventRow } from './security-log/SecurityEventRow.tsx';
import { SEVERITY_LABEL, type Severity } from './security-log/events.ts';
import { hasLogFilters, isLogDay, logFiltersToInput, logFiltersToParams, parseLogFilters, type LogFilters } from './security-log/log-filters.ts';
import { QueryStatus } from '../../components/QueryStatus.tsx';
import { TableHead } from '../../components/TableHead.tsx';
import { useStepUp } from '../../components/reauth/use-step-up.tsx';
import { describeApiError } from '../../lib/api-errors.ts';
import { downloadCsv } from '../dashboard/csv-download.ts';
import { ScrollTable } from '../../components/ScrollTable.tsx';

const PAGE_SIZE = 25;
const GROUP_OPTIONS = SECURITY_EVENT_GROUPS.map((g) => ({ value: g, label: SECURITY_EVENT_GROUP_LABEL[g] }));
const SEVERITY_OPTIONS = SECURITY_EVENT_SEVERITIES.map((s) => ({ value: s, label: SEVERITY_LABEL[s] }));

export function SecurityLogPage() {
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => parseLogFilters(params), [params]);
  const input = useMemo(() => logFiltersToInput(filters), [filters]);
  const setFilter = <K extends keyof LogFilters>(key: K, value: LogFilters[K] | null) => {
    const next: LogFilters = { ...filters };
    if (value) next[key] = value;
    else delete next[key];
    setParams(logFiltersToParams(next));
  };
  // Dates are typed: only a full date reaches the URL, a half-typed one stays in the field.
  const [fromText, setFromText] = useState(filters.from ?? '');
  const [toText, setToText] = useState(filters.to ?? '');
  // Back/forward or a pasted address changes the days: show them.
  useEffect(() => setFromText(filters.from ?? ''), [filters.from]);
  useEffect(() => setToText(filters.to ?? ''), [filters.to]);
  const reversed = Boolean(fromText && toText && isLogDay(fromText) && isLogDay(toText) && fromText > toText);

  const users = trpc.admin.users.list.useQuery();
  const events = trpc.admin.securityEvents.list.useInfiniteQuery({ limit: PAGE_SIZE, ...input }, { getNextPageParam: (last) => last.nextCursor ?? undefined });
  const rows = useMemo(() => events.data?.pages.flatMap((page) => page.items) ?? [], [events.data]);
  const canExport = events.data?.pages[0]?.canExport ?? false;
  const userOptions = (users.data ?? []).map((u) => ({ value: u.id, label: u.username }));
  const filtered = hasLogFilters(filters);

  const { withStepUp, stepUpDialog } = useStepUp();
  const exporter = trpc.admin.securityEvents.export.useMutation();
  const [exported, setExported] = useState<string | null>(null);
  const runExport = () => {
    setExported(null);
    withStepUp(() => exporter.mutateAsync(input), 'export the security log')
      .then((out) => {
        downloadCsv(out.filename, out.csv);
        setExported(out.truncated ? `Exported the newest ${out.rowCount} events (more matched: narrow the filters for older ones).` : `Exported ${out.rowCount} ${out.rowCount === 1 ? 'event' : 'events'}.`);
      })
      // A refusal is shown from exporter.error below; a cancelled confirmation is nothing to report.
      .catch(() => undefined);
  };

  const clearFilters = () => {
    setFromText('');
    setToText('');
    setParams(new URLSearchParams());
  };
  const setDay = (key: 'from' | 'to', text: string) => {
    (key === 'from' ? setFromText : setToText)(text);
    if (text === '') setFilter(key, null);
    else if (isLogDay(text)) setFilter(key, text);
  };

  return (
    <Stack gap="lg">
      {stepUpDialog}
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
            label="Group"
            placeholder="All groups"
            data={GROUP_OPTIONS}
            value={filters.group ?? null}
            onChange={(value) => setFilter('group', (value as SecurityEventGroup | null) ?? null)}
            clearable
            w={200}
          />
          <Select
            label="Severity"
            placeholder="All severities"
            data={SEVERITY_OPTIONS}
            value={filters.severity ?? null}
            onChange={(value) => setFilter('severity', (value as Severity | null) ?? null)}
            clearable
            w={160}
          />
          <Select
            label="User"
            placeholder="All users"
            data={userOptions}
            value={filters.user ?? null}
            onChange={(value) => setFilter('user', value)}
            searchable
            clearable
            nothingFoundMessage="No such user"
            w={200}
          />
          <TextInput type="date" label="From" value={fromText} onChange={(e) => setDay('from', e.currentTarget.value)} w={160} />
          <TextInput type="date" label="To" value={toText} onChange={(e) => setDay('to', e.currentTarget.value)} w={160} error={reversed ? 'Before “From”' : undefined} />
          {filters.type && (
            <Text size="sm" mt={30} data-testid="security-log-type-filter">
              Only “{securityEventLabel(filters.type)}”
            </Text>
          )}
          {filtered && (
            <Button variant="subtle" onClick={clearFilters} mt={25}>
              Clear filters
            </Button>
          )}
          <Group gap="sm" mt={25} ml="auto">
            <Button variant="default" onClick={() => void events.refetch()} loading={events.isRefetching && !events.isFetchingNextPage}>
              Refresh
            </Button>
            {canExport && (
              <Button variant="light" onClick={runExport} loading={exporter.isPending} title="Download the events these filters show as a CSV file">
                Export CSV
              </Button>
            )}
          </Group>
        </Group>
        {exported && (
          <Alert color="green" role="status" mb="md">
            {exported}
          </Alert>
        )}
        {exporter.error && (
          <Alert color="red" title="Could not export the security log" mb="md">
            {describeApiError(exporter.error)}
          </Alert>
        )}

        <QueryStatus query={events} loading="Loading events…" failed="Security log unavailable" />
        {events.data && rows.length === 0 && <Text c="dimmed">{filtered ? 'No events match these filters.' : 'No events yet.'}</Text>}
        {rows.length > 0 && (
          <ScrollTable label="Security events" minWidth={1000}>
            <Table verticalSpacing="xs" striped data-testid="security-log">
              <TableHead columns={['Time', 'Event', 'Severity', 'User', 'IP address', 'Details']} />
              <Table.Tbody>
                {rows.map((event) => (
                  <SecurityEventRow key={event.id} event={event} onFilterUser={(id) => setFilter('user', id)} />
                ))}
              </Table.Tbody>
            </Table>
          </ScrollTable>
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
