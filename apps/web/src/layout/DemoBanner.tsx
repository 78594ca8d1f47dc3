// On every page of a `jutsu demo` server, signed in or not: nothing here is real money.
import { Alert } from '@mantine/core';
import { trpc } from '../trpc.ts';

export const DEMO_BANNER_TEXT = 'DEMO — simulated broker, not real money';

export function DemoBanner() {
  // Fixed for the life of the server process.
  const info = trpc.system.info.useQuery(undefined, { staleTime: Infinity, retry: false });
  if (!info.data?.demo) return null;
  return (
    <Alert color="grape" variant="filled" radius={0} py={4} mb="md" role="status" data-testid="demo-banner" styles={{ message: { textAlign: 'center', fontWeight: 600 } }}>
      {DEMO_BANNER_TEXT}
    </Alert>
  );
}
