// Where this account is signed in: one row per session (name or browser, how it signed in,
// address, first and last seen), this tab's own session marked, a name for any of them, and a
// way to end any other one, or all others at once.
import { Alert, Button, Card, Group, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { describeApiError } from '../../../lib/api-errors.ts';
import { trpc } from '../../../trpc.ts';
import { RenameSessionDialog } from './RenameSessionDialog.tsx';
import { SessionRow, type SessionSummary } from './SessionRow.tsx';
import { QueryStatus } from '../../../components/QueryStatus.tsx';
import { TableHead } from '../../../components/TableHead.tsx';
import { ScrollTable } from '../../../components/ScrollTable.tsx';

// New sign-ins elsewhere show up without a reload, but this is no live feed.
const REFRESH_MS = 30_000;

function signedOutLine(count: number): string {
  if (count === 0) return 'There were no other sessions to sign out.';
  return count === 1 ? 'Signed out 1 other session.' : `Signed out ${count} other sessions.`;
}

export function SessionsCard() {
  const sessions = trpc.auth.sessions.useQuery(undefined, { refetchInterval: REFRESH_MS });
  const utils = trpc.useUtils();
  const [outcome, setOutcome] = useState<string | null>(null);
  const [naming, setNaming] = useState<SessionSummary | null>(null);
  const refreshList = () => void utils.auth.sessions.invalidate();
  const revoke = trpc.auth.revokeSession.useMutation({ onSettled: refreshList });
  const revokeOthers = trpc.auth.revokeOtherSessions.useMutation({
    onSuccess: (result) => setOutcome(signedOutLine(result.revoked)),
    onSettled: refreshList,
  });

  const rows = sessions.data ? [...sessions.data].sort((a, b) => Number(b.current) - Number(a.current)) : [];
  const others = rows.filter((row) => !row.current).length;
  const failure = revoke.error ?? revokeOthers.error;

  return (
    <Card withBorder padding="lg" aria-labelledby="sessions-title">
      <Group justify="space-between" align="flex-start" mb="md" gap="sm">
        <div>
          <Title order={3} size="h4" id="sessions-title">
            Sessions
          </Title>
          <Text size="sm" c="dimmed">
            Devices and browsers signed in to this account, with how each signed in. Name the ones you use; revoke any you do not recognise.
          </Text>
        </div>
        <Button
          variant="light"
          color="red"
          onClick={() => {
            setOutcome(null);
            revokeOthers.mutate();
          }}
          loading={revokeOthers.isPending}
          disabled={!sessions.data || others === 0}
        >
          Sign out other sessions
        </Button>
      </Group>

      {outcome && (
        <Alert color="green" role="status" mb="md">
          {outcome}
        </Alert>
      )}
      {failure && (
        <Alert color="red" title="Could not sign out the session" mb="md">
          {describeApiError(failure)}
        </Alert>
      )}
      <RenameSessionDialog key={naming?.id ?? 'none'} session={naming} onClose={() => setNaming(null)} />
      <QueryStatus query={sessions} loading="Loading sessions…" failed="Sessions unavailable" />
      {sessions.data && (
        <ScrollTable label="Sessions" minWidth={760}>
          <Table verticalSpacing="sm" data-testid="sessions-table">
            <TableHead columns={['Device', 'Signed in with', 'IP address', 'First seen', 'Last seen']} actions />
            <Table.Tbody>
              {rows.map((session) => (
                <SessionRow
                  key={session.id}
                  session={session}
                  revoking={revoke.isPending && revoke.variables?.id === session.id}
                  onRename={() => setNaming(session)}
                  onRevoke={() => {
                    setOutcome(null);
                    revoke.mutate({ id: session.id });
                  }}
                />
              ))}
            </Table.Tbody>
          </Table>
        </ScrollTable>
      )}
    </Card>
  );
}
