// The live tick from system.heartbeat over the WebSocket: proves the subscription path end to
// end (upgrade, Origin check, connectionParams, superjson dates).
import { Alert, Badge, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { formatClockTime } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';

export type SocketState = 'connected' | 'connecting' | 'disconnected';

const STATE_COLOR: Record<SocketState, string> = { connected: 'green', connecting: 'yellow', disconnected: 'red' };

/** tRPC calls an open, subscribed socket "pending"; people call it connected. */
function socketStateOf(status: 'idle' | 'connecting' | 'pending' | 'error'): SocketState {
  if (status === 'pending') return 'connected';
  if (status === 'connecting') return 'connecting';
  return 'disconnected';
}

export function HeartbeatCard() {
  const heartbeat = trpc.system.heartbeat.useSubscription();
  const state = socketStateOf(heartbeat.status);
  const beat = heartbeat.data;

  return (
    <Card withBorder padding="lg" aria-labelledby="heartbeat-title">
      <Group justify="space-between" mb="md">
        <Title order={2} size="h4" id="heartbeat-title">
          Live connection
        </Title>
        <Badge color={STATE_COLOR[state]} variant="light" data-testid="ws-status" aria-label={`WebSocket ${state}`}>
          {state}
        </Badge>
      </Group>
      <Stack gap="sm" align="flex-start">
        {/* aria-live: screen readers hear a lost connection, but not every beat (polite, atomic). */}
        <Text data-testid="heartbeat" aria-live="polite" aria-atomic="true">
          {beat ? heartbeatLine(state, beat.seq, beat.at) : state === 'disconnected' ? 'No live connection.' : 'Waiting for the first beat…'}
        </Text>
        {heartbeat.status === 'error' && (
          <Alert color="red" title="Live updates stopped" role="alert">
            <Stack gap="sm" align="flex-start">
              <Text size="sm">The live connection to the server was lost.</Text>
              <Button size="xs" variant="light" color="red" onClick={heartbeat.reset}>
                Reconnect
              </Button>
            </Stack>
          </Alert>
        )}
      </Stack>
    </Card>
  );
}

function heartbeatLine(state: SocketState, seq: number, at: Date): string {
  const prefix = state === 'connected' ? 'Live' : 'Last';
  return `${prefix} · beat #${seq} at ${formatClockTime(at)}`;
}
