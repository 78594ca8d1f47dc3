// Trades: the trade history, newest first, paged with a cursor ("Load more"). Filters live in
// the URL. The CSV export is a POST (dashboard.exportTrades) saved through a Blob.
import { Alert, Badge, Button, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import type { TradeRow } from '@jutsu/shared';
import { useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import { QueryStatus } from '../../components/QueryStatus.tsx';
import secondary from '../../components/secondary-text.module.css';
import { describeApiError } from '../../lib/api-errors.ts';
import { formatMarketAndLocalTime, formatMoney, formatQuantity } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { downloadCsv } from './csv-download.ts';
import { SignedMoney } from './Figure.tsx';
import { hasTradeFilters, parseTradeFilters, SIDE_OPTIONS, tradeFiltersToParams, type TradeFilters } from './trade-filters.ts';
import { TradeFiltersForm } from './TradeFiltersForm.tsx';
import { ScrollTable } from '../../components/ScrollTable.tsx';

const PAGE_SIZE = 50;
const sideLabel = (side: string) => SIDE_OPTIONS.find((o) => o.value === side.toUpperCase())?.label ?? side;

function TradeTime({ at }: { at: Date }) {
  const t = formatMarketAndLocalTime(at);
  return (
    <>
      <Text size="sm" component="span">
        {t.market}
      </Text>
      {!t.same && (
        <Text size="xs" component="div" className={secondary.secondary}>
          {t.local}
        </Text>
      )}
    </>
  );
}

function TradeRowView({ trade }: { trade: TradeRow }) {
  return (
    <Table.Tr data-testid="trade-row">
      <Table.Td>
        <TradeTime at={trade.executedAt} />
      </Table.Td>
      <Table.Td fw={600}>{trade.symbol}</Table.Td>
      <Table.Td>{sideLabel(trade.side)}</Table.Td>
      <Table.Td ta="right">{formatQuantity(trade.quantity)}</Table.Td>
      <Table.Td ta="right">{formatMoney(trade.price, 4).replace(/(\.\d\d)00$/, '$1')}</Table.Td>
      <Table.Td ta="right" visibleFrom="md">
        {formatMoney(trade.notional)}
      </Table.Td>
      <Table.Td ta="right" visibleFrom="lg">
        {formatMoney(trade.fees)}
      </Table.Td>
      <Table.Td ta="right" visibleFrom="md">
        <SignedMoney value={trade.realizedPnl} />
      </Table.Td>
      <Table.Td visibleFrom="sm">{trade.status}</Table.Td>
      <Table.Td visibleFrom="lg">{trade.strategy ?? '—'}</Table.Td>
      <Table.Td visibleFrom="sm">
        <Badge variant="light" color={trade.mode === 'live' ? 'red' : 'gray'}>
          {trade.mode}
        </Badge>
      </Table.Td>
    </Table.Tr>
  );
}

const HEADERS: Array<[string, 'left' | 'right', 'sm' | 'md' | 'lg' | undefined]> = [
  ['Time (New York / local)', 'left', undefined],
  ['Symbol', 'left', undefined],
  ['Side', 'left', undefined],
  ['Quantity', 'right', undefined],
  ['Price', 'right', undefined],
  ['Notional', 'right', 'md'],
  ['Fees', 'right', 'lg'],
  ['Realized P&L', 'right', 'md'],
  ['Status', 'left', 'sm'],
  ['Strategy', 'left', 'lg'],
  ['Mode', 'left', 'sm'],
];

export function TradesPage() {
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => parseTradeFilters(params), [params]);
  const apply = (next: TradeFilters) => setParams(tradeFiltersToParams(parseTradeFilters(tradeFiltersToParams(next))));

  const trades = trpc.dashboard.trades.useInfiniteQuery({ limit: PAGE_SIZE, ...filters }, { getNextPageParam: (last) => last.nextCursor ?? undefined });
  const rows = useMemo(() => trades.data?.pages.flatMap((page) => page.items) ?? [], [trades.data]);
  const exporter = trpc.dashboard.exportTrades.useMutation({ onSuccess: (out) => downloadCsv(out.filename, out.csv) });
  const filtered = hasTradeFilters(filters);

  return (
    <Stack gap="lg">
      <Title order={2}>Trades</Title>
      <Card withBorder padding="md">
        <TradeFiltersForm filters={filters} onApply={apply} />
      </Card>
      <Card withBorder padding="md">
        <Group justify="space-between" mb="sm" wrap="wrap">
          <Text size="sm" data-testid="trades-count">
            Showing {rows.length} {rows.length === 1 ? 'trade' : 'trades'}
            {trades.hasNextPage ? '' : rows.length > 0 ? ' (all)' : ''}
          </Text>
          <Button variant="default" onClick={() => exporter.mutate(filters)} loading={exporter.isPending}>
            Export CSV
          </Button>
        </Group>
        {exporter.isError && (
          <Alert color="red" role="alert" title="Export failed" mb="sm">
            {describeApiError(exporter.error)}
          </Alert>
        )}
        {exporter.data && (
          <Text size="sm" role="status" mb="sm" data-testid="export-result">
            Exported {exporter.data.rowCount} {exporter.data.rowCount === 1 ? 'trade' : 'trades'} to {exporter.data.filename}
            {exporter.data.truncated ? ' (only the newest rows: the export limit was reached)' : ''}.
          </Text>
        )}
        <QueryStatus query={trades} loading="Loading trades…" failed="Trades unavailable" />
        {trades.data && rows.length === 0 && <Text data-testid="trades-empty">{filtered ? 'No trades match these filters.' : 'No trades recorded yet.'}</Text>}
        {rows.length > 0 && (
          <ScrollTable label="Trades" minWidth={0}>
            <Table verticalSpacing="xs" striped data-testid="trades-table" aria-label="Trades">
              <Table.Thead>
                <Table.Tr>
                  {HEADERS.map(([label, align, from]) => (
                    <Table.Th key={label} ta={align} visibleFrom={from}>
                      {label}
                    </Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((trade) => (
                  <TradeRowView key={trade.id} trade={trade} />
                ))}
              </Table.Tbody>
            </Table>
          </ScrollTable>
        )}
        {trades.hasNextPage && (
          <Group justify="center" mt="md">
            <Button variant="light" onClick={() => void trades.fetchNextPage()} loading={trades.isFetchingNextPage}>
              Load more
            </Button>
          </Group>
        )}
      </Card>
    </Stack>
  );
}
