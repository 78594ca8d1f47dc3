// Positions: what is held, what it is worth, how it has done, and how far each weight has
// drifted from the engine's target. Sorted on the client by any column (exactly, on decimals).
import { Alert, Anchor, Card, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import type { DashboardPositions } from '@jutsu/shared';
import { useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { useSignedInUser } from '../../auth/signed-in-user.ts';
import { QueryStatus } from '../../components/QueryStatus.tsx';
import secondary from '../../components/secondary-text.module.css';
import { formatMoney, formatQuantity } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { AllocationList } from './AllocationList.tsx';
import { NOT_AVAILABLE, percentText, SignedMoney, SignedPercent } from './Figure.tsx';
import { SortableHeader } from './SortableHeader.tsx';
import { nextSort, sortRows, type SortKind, type SortValue } from './sort.ts';
import { ScrollTable } from '../../components/ScrollTable.tsx';

type Position = DashboardPositions['positions'][number];

interface Column {
  key: string;
  label: string;
  kind: SortKind;
  value: (p: Position) => SortValue;
  align?: 'left' | 'right';
  /** Narrow screens keep the key columns (symbol, value, open P&L) and drop the rest. */
  visibleFrom?: 'sm' | 'md' | 'lg';
  render: (p: Position) => React.ReactNode;
}

const money = (v: string | null) => (v === null ? NOT_AVAILABLE : formatMoney(v));

export const POSITION_COLUMNS: Column[] = [
  { key: 'symbol', label: 'Symbol', kind: 'text', value: (p) => p.symbol, render: (p) => <Text fw={600} size="sm">{p.symbol}</Text> },
  { key: 'quantity', label: 'Quantity', kind: 'decimal', value: (p) => p.quantity, align: 'right', visibleFrom: 'sm', render: (p) => formatQuantity(p.quantity) },
  { key: 'averagePrice', label: 'Avg price', kind: 'decimal', value: (p) => p.averagePrice, align: 'right', visibleFrom: 'md', render: (p) => money(p.averagePrice) },
  { key: 'lastPrice', label: 'Last', kind: 'decimal', value: (p) => p.lastPrice, align: 'right', visibleFrom: 'md', render: (p) => money(p.lastPrice) },
  { key: 'marketValue', label: 'Market value', kind: 'decimal', value: (p) => p.marketValue, align: 'right', render: (p) => money(p.marketValue) },
  { key: 'dayPnl', label: 'Day P&L', kind: 'decimal', value: (p) => p.dayPnl, align: 'right', visibleFrom: 'sm', render: (p) => <SignedMoney value={p.dayPnl} /> },
  {
    key: 'openPnl',
    label: 'Open P&L',
    kind: 'decimal',
    value: (p) => p.openPnl,
    align: 'right',
    render: (p) => (
      <>
        <SignedMoney value={p.openPnl} />
        <br />
        <Text component="span" size="xs">
          <SignedPercent value={p.openPnlPct} />
        </Text>
      </>
    ),
  },
  { key: 'weight', label: 'Weight', kind: 'number', value: (p) => p.weight, align: 'right', visibleFrom: 'sm', render: (p) => percentText(p.weight) },
  { key: 'targetWeight', label: 'Target', kind: 'number', value: (p) => p.targetWeight, align: 'right', visibleFrom: 'lg', render: (p) => percentText(p.targetWeight) },
  { key: 'drift', label: 'Drift', kind: 'number', value: (p) => p.drift, align: 'right', visibleFrom: 'lg', render: (p) => percentText(p.drift, true) },
];

function EmptyState({ connected }: { connected: boolean }) {
  const user = useSignedInUser();
  if (connected) return <Text data-testid="positions-empty">No open positions in the connected account.</Text>;
  return (
    <Alert color="blue" title="No Schwab account connected yet" data-testid="positions-empty">
      {user?.role === 'admin' ? (
        <Text size="sm">
          Positions appear here once a Schwab account is connected and synced. <Anchor component={Link} to="/admin/schwab">Connect Schwab</Anchor>.
        </Text>
      ) : (
        <Text size="sm">Positions appear here once an administrator connects a Schwab account and it has synced.</Text>
      )}
    </Alert>
  );
}

export function PositionsTable({ data }: { data: DashboardPositions }) {
  const [sort, setSort] = useState<{ key: string; direction: 'asc' | 'desc' }>({ key: 'marketValue', direction: 'desc' });
  const targets = data.targetsConfigured;
  const columns = POSITION_COLUMNS.filter((c) => targets || (c.key !== 'targetWeight' && c.key !== 'drift'));
  const column = columns.find((c) => c.key === sort.key) ?? columns[0]!;
  const rows = useMemo(() => sortRows(data.positions, column.value, column.kind, sort.direction), [data.positions, column, sort.direction]);

  return (
    <ScrollTable label="Positions" minWidth={0}>
      <Table verticalSpacing="xs" striped data-testid="positions-table" aria-label="Positions">
        <Table.Thead>
          <Table.Tr>
            {columns.map((c) => (
              <SortableHeader
                key={c.key}
                label={c.label}
                align={c.align}
                visibleFrom={c.visibleFrom}
                active={c.key === column.key}
                direction={sort.direction}
                onSort={() => setSort((s) => nextSort(s, c.key))}
              />
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((p) => (
            <Table.Tr key={`${p.accountHash}:${p.symbol}`} data-testid="position-row">
              {columns.map((c) => (
                <Table.Td key={c.key} ta={c.align} visibleFrom={c.visibleFrom}>
                  {c.render(p)}
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
        <Table.Tfoot>
          <Table.Tr>
            {columns.map((c) => (
              <Table.Th key={c.key} ta={c.align} visibleFrom={c.visibleFrom}>
                {c.key === 'symbol' ? 'Total' : c.key === 'marketValue' ? money(data.totals.marketValue) : c.key === 'dayPnl' ? <SignedMoney value={data.totals.dayPnl} /> : c.key === 'openPnl' ? <SignedMoney value={data.totals.openPnl} /> : null}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Tfoot>
      </Table>
    </ScrollTable>
  );
}

export function PositionsPage() {
  const positions = trpc.dashboard.positions.useQuery();
  const overview = trpc.dashboard.overview.useQuery();
  const data = positions.data;
  const connected = (overview.data?.accounts.length ?? 0) > 0;

  return (
    <Stack gap="lg">
      <Title order={2}>Positions</Title>
      <QueryStatus query={positions} loading="Loading positions…" failed="Positions unavailable" />
      {data && data.positions.length === 0 && overview.data && <EmptyState connected={connected} />}
      {data && data.positions.length > 0 && (
        <>
          <Card withBorder padding="md">
            <PositionsTable data={data} />
            <Text size="xs" className={secondary.secondary} mt="xs">
              Weights are shares of {data.weightBasis === 'netLiquidation' ? 'net liquidation value' : 'the positions’ total value'} ({formatMoney(data.weightBase)}).
              {data.targetsConfigured ? '' : ' No target weights are configured.'}
            </Text>
          </Card>
          <Card withBorder padding="md">
            <Title order={3} size="h4" mb="md">
              Allocation
            </Title>
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xl">
              <AllocationList title="By symbol" slices={data.allocation.bySymbol} testId="allocation-symbol" />
              <AllocationList title="By asset type" slices={data.allocation.byAssetType} testId="allocation-asset-type" />
            </SimpleGrid>
          </Card>
        </>
      )}
    </Stack>
  );
}
