// What a query shows while it has no data to show: a spinner while it loads, and the reason
// with a way to try again when it failed. Renders nothing once data is there.
import { Alert, Button, Group, Loader, Stack, Text } from '@mantine/core';
import { describeApiError } from '../lib/api-errors.ts';

export interface QueryLike {
  isPending: boolean;
  isError: boolean;
  isFetching: boolean;
  error: unknown;
  refetch: () => unknown;
}

export function InlineLoader({ label }: { label: string }) {
  return (
    <Group gap="sm" role="status">
      <Loader size="sm" aria-hidden="true" />
      <Text size="sm">{label}</Text>
    </Group>
  );
}

export function QueryStatus({ query, loading, failed }: { query: QueryLike; loading: string; failed: string }) {
  if (query.isError) {
    return (
      <Alert color="red" role="alert" title={failed}>
        <Stack gap="xs" align="flex-start">
          <Text size="sm">{describeApiError(query.error)}</Text>
          <Button size="xs" variant="light" color="red" onClick={() => void query.refetch()} loading={query.isFetching}>
            Try again
          </Button>
        </Stack>
      </Alert>
    );
  }
  return query.isPending ? <InlineLoader label={loading} /> : null;
}
