// A calm placeholder while something the whole screen depends on is loading.
import { Center } from '@mantine/core';
import { InlineLoader } from './QueryStatus.tsx';

export function PageLoader({ label }: { label: string }) {
  return (
    <Center py="xl">
      <InlineLoader label={label} />
    </Center>
  );
}
