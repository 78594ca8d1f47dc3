// Allocation as a bar list: each slice's name, its share as text and a bar. The text is the
// information; the bars only repeat it (hidden from screen readers).
import { Box, Group, Progress, Stack, Text, Title } from '@mantine/core';
import { formatMoney } from '../../lib/format.ts';
import { percentText } from './Figure.tsx';

interface Slice {
  key: string;
  marketValue: string;
  weight: number | null;
}

export function AllocationList({ title, slices, testId }: { title: string; slices: Slice[]; testId?: string }) {
  const titleId = `alloc-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <Box>
      <Title order={3} size="h5" mb="xs" id={titleId}>
        {title}
      </Title>
      <Stack component="ul" gap="xs" p={0} m={0} aria-labelledby={titleId} data-testid={testId} style={{ listStyle: 'none' }}>
        {slices.map((slice) => (
          <li key={slice.key}>
            <Group justify="space-between" gap="xs" wrap="nowrap">
              <Text size="sm" fw={600} truncate>
                {slice.key}
              </Text>
              <Text size="sm">
                {percentText(slice.weight, false, 1)} · {formatMoney(slice.marketValue)}
              </Text>
            </Group>
            <Progress value={Math.max(0, Math.min(100, (slice.weight ?? 0) * 100))} size="sm" aria-hidden="true" />
          </li>
        ))}
      </Stack>
    </Box>
  );
}
