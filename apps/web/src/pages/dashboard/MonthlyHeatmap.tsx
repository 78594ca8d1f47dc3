// Monthly returns as a table: each cell shows the signed figure, with a colour that only
// repeats it (HEAT_COLORS keep the text at AA contrast).
import { Table, Text } from '@mantine/core';
import type { DashboardPerformance } from '@jutsu/shared';
import { useMemo } from 'react';
import { percentText } from './Figure.tsx';
import { HEAT_COLORS, heatBucket, heatmapRows } from './heatmap.ts';
import { ScrollTable } from '../../components/ScrollTable.tsx';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function Cell({ ret, label }: { ret: number | null; label: string }) {
  if (ret === null) return <Table.Td aria-label={`${label}: no data`} />;
  const colors = HEAT_COLORS[heatBucket(ret)];
  return (
    <Table.Td bg={colors.bg} c={colors.fg} ta="right" data-bucket={heatBucket(ret)}>
      <Text size="xs" inherit>
        {percentText(ret, true, 1)}
      </Text>
    </Table.Td>
  );
}

export function MonthlyHeatmap({ monthly }: { monthly: DashboardPerformance['monthlyReturns'] }) {
  const rows = useMemo(() => heatmapRows(monthly), [monthly]);
  if (rows.length === 0) return <Text size="sm">No whole months in this range yet.</Text>;
  return (
    <ScrollTable label="Monthly returns" minWidth={0}>
      <Table fz="xs" withTableBorder withColumnBorders data-testid="monthly-heatmap" verticalSpacing={4} horizontalSpacing={4}>
        <Table.Caption>Monthly time-weighted returns; the year column compounds the months shown.</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Year</Table.Th>
            {MONTHS.map((m) => (
              <Table.Th key={m} scope="col" ta="right">
                {m}
              </Table.Th>
            ))}
            <Table.Th scope="col" ta="right">
              Year
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={row.year}>
              <Table.Th scope="row">{row.year}</Table.Th>
              {row.months.map((ret, i) => (
                <Cell key={MONTHS[i]} ret={ret} label={`${MONTHS[i]} ${row.year}`} />
              ))}
              <Cell ret={row.total} label={`${row.year}`} />
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollTable>
  );
}
