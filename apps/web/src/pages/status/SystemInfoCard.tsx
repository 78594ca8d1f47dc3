// What the server says about itself: whether the installation still waits for its first
// admin (system.info, public) and, to signed-in users, version and uptime (system.status).
import { Alert, Badge, Card, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { formatDateTime, formatDuration } from '../../lib/format.ts';
import { useSignedInUser } from '../../auth/signed-in-user.ts';
import { trpc } from '../../trpc.ts';
import { QueryStatus } from '../../components/QueryStatus.tsx';

// Uptime and server time are only interesting roughly; a slow refresh keeps them honest.
const REFRESH_MS = 30_000;

export function SystemInfoCard() {
  const info = trpc.system.info.useQuery(undefined, { refetchInterval: REFRESH_MS });
  const signedIn = useSignedInUser() !== null;
  const status = trpc.system.status.useQuery(undefined, { refetchInterval: REFRESH_MS, enabled: signedIn });

  return (
    <Card withBorder padding="lg" data-testid="system-info" aria-labelledby="system-info-title">
      <Title order={2} size="h4" id="system-info-title" mb="md">
        Server
      </Title>
      <QueryStatus query={info} loading="Loading server information…" failed="Server information unavailable" />
      {info.data && (
        <Stack gap="md">
          <Text>
            <Badge color="green" variant="light">
              reachable
            </Badge>
          </Text>
          {info.data.bootstrapPending && (
            <Alert color="yellow" title="Setup pending: no users yet" data-testid="bootstrap-pending">
              Open the one-time invitation link printed by the server at first start to create the first admin.
            </Alert>
          )}
          {!signedIn && (
            <Text size="sm" c="dimmed" data-testid="system-status-signed-out">
              Sign in to see the version and uptime.
            </Text>
          )}
          {signedIn && <QueryStatus query={status} loading="Loading server status…" failed="Server status unavailable" />}
          {signedIn && status.data && (
            <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm" component="dl" m={0} data-testid="system-status">
              <InfoItem label="Version" value={status.data.version} />
              <InfoItem label="Environment" value={<Badge variant="light">{status.data.environment}</Badge>} />
              <InfoItem label="Database" value={status.data.database === 'pglite' ? 'PGlite (embedded)' : 'PostgreSQL'} />
              <InfoItem label="Server time" value={formatDateTime(status.data.serverTime)} />
              <InfoItem label="Uptime" value={formatDuration(status.data.uptimeSeconds)} />
            </SimpleGrid>
          )}
        </Stack>
      )}
    </Card>
  );
}

function InfoItem({ label, value }: { label: string; value: ReactNode }) {
  return (
    <div>
      <Text component="dt" size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text component="dd" m={0}>
        {value}
      </Text>
    </div>
  );
}
