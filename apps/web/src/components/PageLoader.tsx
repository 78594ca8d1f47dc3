// A calm placeholder while something the whole screen depends on is loading.
import { Center, Group, Loader, Text } from '@mantine/core';

export function PageLoader({ label }: { label: string }) {
  return (
    <Center py="xl">
      <Group gap="sm" role="status">
        <Loader size="sm" aria-hidden="true" />
        <Text>{label}</Text>
      </Group>
    </Center>
  );
}
