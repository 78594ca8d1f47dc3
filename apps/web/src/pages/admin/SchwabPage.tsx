// Admin → Schwab: the brokerage connection. Status with countdowns to both token deadlines,
// masked accounts, last sync and last error; Connect/Reconnect opens Schwab's page (its
// redirect lands on /schwab/callback); a paste-the-address fallback; Sync now; Disconnect
// with confirmation and a recent sign-in.
import { Alert, Badge, Button, Card, Group, Modal, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import type { SchwabConnectionState } from '@jutsu/shared';
import { useEffect, useState } from 'react';
import { QueryStatus } from '../../components/QueryStatus.tsx';
import { StepUpCancelled, useStepUp } from '../../components/reauth/use-step-up.tsx';
import { describeApiError } from '../../lib/api-errors.ts';
import { formatDateTime, formatDuration } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';

const STATE_LABEL: Record<SchwabConnectionState, { label: string; color: string }> = {
  not_configured: { label: 'Not configured', color: 'gray' },
  disconnected: { label: 'Not connected', color: 'gray' },
  connected: { label: 'Connected', color: 'green' },
  expiring: { label: 'Login expires soon', color: 'orange' },
  reauth_required: { label: 'Log in again', color: 'red' },
};

function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}

function Countdown({ label, at, now }: { label: string; at: Date | null; now: number }) {
  if (!at) return null;
  const left = (at.getTime() - now) / 1000;
  return (
    <Text size="sm" data-testid={`countdown-${label.toLowerCase().replace(/\s+/g, '-')}`}>
      {label}: {left > 0 ? `in ${formatDuration(left)}` : 'expired'} ({formatDateTime(at)})
    </Text>
  );
}

export function SchwabPage() {
  const utils = trpc.useUtils();
  const status = trpc.schwab.status.useQuery(undefined, { refetchInterval: 30_000 });
  const accounts = trpc.schwab.accounts.useQuery();
  const initiate = trpc.schwab.initiate.useMutation();
  const callback = trpc.schwab.callback.useMutation();
  const sync = trpc.schwab.sync.useMutation();
  const deleteToken = trpc.schwab.deleteToken.useMutation();
  const { withStepUp, stepUpDialog } = useStepUp();
  const [pasted, setPasted] = useState('');
  const [message, setMessage] = useState<{ color: string; text: string } | null>(null);
  const [confirmDisconnect, setConfirmDisconnect] = useState(false);
  const now = useNow();

  const refresh = () => Promise.all([utils.schwab.status.invalidate(), utils.schwab.accounts.invalidate()]);
  const fail = (err: unknown) => {
    if (!(err instanceof StepUpCancelled)) setMessage({ color: 'red', text: describeApiError(err) });
  };

  const connect = async () => {
    setMessage(null);
    try {
      const { authorizeUrl } = await withStepUp(() => initiate.mutateAsync(), 'connect Schwab');
      // Schwab's page, in this tab: its redirect comes back to /schwab/callback.
      window.location.assign(authorizeUrl);
    } catch (err) {
      fail(err);
    }
  };

  const submitPasted = async () => {
    setMessage(null);
    try {
      await callback.mutateAsync({ url: pasted.trim() });
      setPasted('');
      setMessage({ color: 'green', text: 'Schwab is connected.' });
      await refresh();
    } catch (err) {
      fail(err);
    }
  };

  const syncNow = async () => {
    setMessage(null);
    try {
      const result = await sync.mutateAsync();
      setMessage(
        result.ok
          ? { color: 'green', text: `Synced ${result.accounts} account(s), ${result.positions} position(s), ${result.trades} trade(s).` }
          : { color: 'red', text: `Sync failed (${result.error}).` },
      );
      await refresh();
    } catch (err) {
      fail(err);
    }
  };

  const disconnect = async () => {
    setConfirmDisconnect(false);
    setMessage(null);
    try {
      await withStepUp(() => deleteToken.mutateAsync(), 'disconnect Schwab');
      setMessage({ color: 'green', text: 'Schwab is disconnected. Its tokens were deleted.' });
      await refresh();
    } catch (err) {
      fail(err);
    }
  };

  const s = status.data;
  const state = s ? STATE_LABEL[s.state] : null;
  const connected = s?.state === 'connected' || s?.state === 'expiring';

  return (
    <Stack gap="lg">
      <div>
        <Title order={2}>Schwab</Title>
        <Text c="dimmed" size="sm">
          The brokerage connection. Schwab ends every login after 7 days; you will be warned before that.
        </Text>
      </div>
      {message && (
        <Alert color={message.color} role={message.color === 'red' ? 'alert' : 'status'} withCloseButton onClose={() => setMessage(null)}>
          {message.text}
        </Alert>
      )}
      <QueryStatus query={status} loading="Loading the connection…" failed="Could not load the connection" />
      {s && state && (
        <Card withBorder padding="lg" aria-labelledby="schwab-status-title">
          <Group justify="space-between" mb="sm">
            <Title order={3} size="h4" id="schwab-status-title">
              Connection
            </Title>
            <Badge color={state.color} data-testid="schwab-state" data-state={s.state}>
              {state.label}
            </Badge>
          </Group>
          <Stack gap={4}>
            {s.state === 'not_configured' && <Text size="sm">Set SCHWAB_CLIENT_ID and SCHWAB_CLIENT_SECRET on the server to connect.</Text>}
            <Countdown label="Access token" at={s.accessTokenExpiresAt} now={now} />
            <Countdown label="Login ends" at={s.refreshTokenExpiresAt} now={now} />
            <Text size="sm">Last refresh: {s.lastRefreshAt ? formatDateTime(s.lastRefreshAt) : 'never'}</Text>
            <Text size="sm" data-testid="schwab-last-sync">
              Last sync: {s.lastSyncAt ? formatDateTime(s.lastSyncAt) : 'never'}
            </Text>
            {s.lastError && (
              <Text size="sm" c="red" data-testid="schwab-last-error">
                Last error: {s.lastError}
              </Text>
            )}
          </Stack>
          {s.state !== 'not_configured' && (
            <Group mt="md">
              <Button onClick={() => void connect()} loading={initiate.isPending}>
                {s.state === 'disconnected' ? 'Connect' : 'Reconnect'}
              </Button>
              <Button variant="light" onClick={() => void syncNow()} loading={sync.isPending} disabled={!connected}>
                Sync now
              </Button>
              <Button variant="outline" color="red" onClick={() => setConfirmDisconnect(true)} disabled={s.state === 'disconnected'} loading={deleteToken.isPending}>
                Disconnect
              </Button>
            </Group>
          )}
        </Card>
      )}
      {s && s.state !== 'not_configured' && (
        <Card withBorder padding="lg" aria-labelledby="schwab-paste-title">
          <Title order={3} size="h4" id="schwab-paste-title" mb="xs">
            If the page after Schwab's login did not load
          </Title>
          <Text size="sm" mb="sm">
            After you allow access, Schwab sends your browser to this app's callback address. If that page shows an error instead, copy the whole address from the
            browser's address bar (it starts with the callback URL and contains <code>code=</code> and <code>state=</code>) and paste it here within 30 seconds. Start with
            Connect first, from this same browser.
          </Text>
          <Group align="flex-end">
            <Textarea label="Address after Schwab's login" value={pasted} onChange={(e) => setPasted(e.currentTarget.value)} autosize minRows={1} maxRows={4} style={{ flex: 1 }} />
            <Button onClick={() => void submitPasted()} disabled={!pasted.trim()} loading={callback.isPending}>
              Finish connecting
            </Button>
          </Group>
        </Card>
      )}
      <Card withBorder padding="lg" aria-labelledby="schwab-accounts-title">
        <Title order={3} size="h4" id="schwab-accounts-title" mb="sm">
          Accounts
        </Title>
        <QueryStatus query={accounts} loading="Loading accounts…" failed="Could not load the accounts" />
        {accounts.data && accounts.data.length === 0 && <Text size="sm">No accounts yet: connect, then sync.</Text>}
        {accounts.data && accounts.data.length > 0 && (
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Account</Table.Th>
                <Table.Th>Type</Table.Th>
                <Table.Th>Positions</Table.Th>
                <Table.Th>Value</Table.Th>
                <Table.Th>Cash</Table.Th>
                <Table.Th>Synced</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {accounts.data.map((a) => (
                <Table.Tr key={a.masked} data-testid="schwab-account">
                  <Table.Td>{a.masked}</Table.Td>
                  <Table.Td>{a.type ?? '—'}</Table.Td>
                  <Table.Td>{a.positions}</Table.Td>
                  <Table.Td>{a.liquidationValue ?? '—'}</Table.Td>
                  <Table.Td>{a.cash ?? '—'}</Table.Td>
                  <Table.Td>{a.lastSyncedAt ? formatDateTime(a.lastSyncedAt) : 'never'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Card>
      <Modal opened={confirmDisconnect} onClose={() => setConfirmDisconnect(false)} title="Disconnect Schwab?" centered>
        <Stack>
          <Text size="sm">The stored Schwab tokens are deleted at once. Syncing and trading stop until someone connects again. Every admin is alerted.</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirmDisconnect(false)}>
              Cancel
            </Button>
            <Button color="red" onClick={() => void disconnect()}>
              Disconnect
            </Button>
          </Group>
        </Stack>
      </Modal>
      {stepUpDialog}
    </Stack>
  );
}
