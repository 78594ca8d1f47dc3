// Public health view: server facts over HTTP and a heartbeat over the WebSocket.
import { SimpleGrid, Stack, Title } from '@mantine/core';
import { HeartbeatCard } from './status/HeartbeatCard.tsx';
import { SystemInfoCard } from './status/SystemInfoCard.tsx';

export function StatusPage() {
  return (
    <Stack gap="lg">
      <Title order={2}>Status</Title>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <SystemInfoCard />
        <HeartbeatCard />
      </SimpleGrid>
    </Stack>
  );
}
