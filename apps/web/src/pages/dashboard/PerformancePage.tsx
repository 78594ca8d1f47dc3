// Performance: equity against a benchmark, drawdown, monthly returns and the risk/return
// metrics for a chosen range. Days without usable equity are gaps (with why), never filled in.
import { Alert, Button, Card, Group, List, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import type { DashboardPerformance } from '@jutsu/shared';
import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { QueryStatus } from '../../components/QueryStatus.tsx';
import secondary from '../../components/secondary-text.module.css';
import { formatMoney } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { newYorkWallTime, orderedPoints, withGaps, type ChartPoint } from './chart-data.ts';
import { Figure, NOT_AVAILABLE, numberText, percentText, SignedMoney, SignedPercent } from './Figure.tsx';
import { MonthlyHeatmap } from './MonthlyHeatmap.tsx';
import { parsePerformanceParams, performanceInput, performanceParams, rangeOptions, type Benchmark, type PerformanceChoice } from './performance-params.ts';
import { TimeChart } from './TimeChart.tsx';

const GAP_REASON_TEXT: Record<string, string> = {
  no_snapshot: 'no equity snapshot was recorded',
  partial_accounts: 'not every account had a snapshot',
};

function RangePicker({ choice, onChange }: { choice: PerformanceChoice; onChange: (c: PerformanceChoice) => void }) {
  const [custom, setCustom] = useState({ from: choice.from ?? '', to: choice.to ?? '' });
  const [showCustom, setShowCustom] = useState(choice.range === 'custom');
  const reversed = custom.from !== '' && custom.to !== '' && custom.from > custom.to;
  return (
    <Stack gap="sm">
      <Group align="flex-end" gap="sm" wrap="wrap">
        <Select
          label="Range"
          data={rangeOptions(new Date().getFullYear())}
          value={showCustom ? 'custom' : choice.range}
          onChange={(value) => {
            if (!value) return;
            if (value === 'custom') setShowCustom(true);
            else {
              setShowCustom(false);
              onChange({ range: value, benchmark: choice.benchmark });
            }
          }}
          allowDeselect={false}
          w={190}
        />
        <Select
          label="Benchmark"
          data={[
            { value: 'SPY', label: 'SPY (S&P 500)' },
            { value: 'QQQ', label: 'QQQ (Nasdaq-100)' },
            { value: 'none', label: 'None' },
          ]}
          value={choice.benchmark}
          onChange={(value) => value && onChange({ ...choice, benchmark: value as Benchmark })}
          allowDeselect={false}
          w={190}
        />
      </Group>
      {showCustom && (
        <form
          aria-label="Custom range"
          onSubmit={(event) => {
            event.preventDefault();
            if (custom.from && custom.to && !reversed) onChange({ range: 'custom', from: custom.from, to: custom.to, benchmark: choice.benchmark });
          }}
        >
          <Group align="flex-end" gap="sm" wrap="wrap">
            <TextInput type="date" label="From" required value={custom.from} onChange={(e) => setCustom((c) => ({ ...c, from: e.currentTarget.value }))} w={160} />
            <TextInput type="date" label="To" required value={custom.to} onChange={(e) => setCustom((c) => ({ ...c, to: e.currentTarget.value }))} w={160} error={reversed ? 'Before “From”' : undefined} />
            <Button type="submit">Show</Button>
          </Group>
        </form>
      )}
    </Stack>
  );
}

function time(data: DashboardPerformance, point: { date: string; at: Date }) {
  return data.granularity === 'intraday' ? newYorkWallTime(point.at) : point.date;
}

function EquityChart({ data }: { data: DashboardPerformance }) {
  const lines = useMemo(() => {
    const points = data.series.map((p) => ({ date: p.date, at: p.at, value: Number(p.equity) }));
    const equity: ChartPoint[] =
      data.granularity === 'intraday' ? orderedPoints(points.map((p) => ({ time: time(data, p), value: p.value }))) : withGaps(points, data.gaps);
    const out = [{ label: 'Portfolio', color: '#4263eb', data: equity }];
    if (data.benchmark) out.push({ label: data.benchmark.symbol, color: '#e8590c', data: orderedPoints(data.benchmark.series.map((p) => ({ time: p.date, value: Number(p.value) }))) });
    return out;
  }, [data]);
  const m = data.metrics;
  const summary = `Equity from ${m.startEquity ? formatMoney(m.startEquity) : 'unknown'} to ${m.endEquity ? formatMoney(m.endEquity) : 'unknown'}, time-weighted return ${percentText(m.twr, true)}${
    data.benchmark ? `; ${data.benchmark.symbol} rebased to the same start returned ${percentText(data.benchmark.series.at(-1)?.ret ?? null, true)}` : ''
  }.`;
  return <TimeChart lines={lines} summary={summary} height={300} intraday={data.granularity === 'intraday'} testId="equity-chart" />;
}

function DrawdownChart({ data }: { data: DashboardPerformance }) {
  const lines = useMemo(
    () => [{ label: 'Drawdown', color: '#e03131', kind: 'area' as const, data: orderedPoints(data.drawdown.map((p) => ({ time: time(data, p), value: p.drawdown * 100 }))) }],
    [data],
  );
  const dd = data.metrics.maxDrawdown;
  const summary = dd ? `Drawdown below the previous high; deepest ${percentText(-Math.abs(dd.depth), true)} (peak ${dd.peakDate ?? 'unknown'}, trough ${dd.troughDate ?? 'unknown'}).` : 'Drawdown: none in this range.';
  return <TimeChart lines={lines} summary={summary} height={160} percent intraday={data.granularity === 'intraday'} testId="drawdown-chart" />;
}

function Metrics({ data }: { data: DashboardPerformance }) {
  const m = data.metrics;
  const dd = m.maxDrawdown;
  return (
    <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="md" data-testid="metrics">
      <Figure label="Time-weighted return" testId="metric-twr" sub={`Simple return ${percentText(m.simpleReturn, true)}`}>
        <SignedPercent value={m.twr} />
      </Figure>
      <Figure label="CAGR" testId="metric-cagr">
        <SignedPercent value={m.cagr} />
      </Figure>
      <Figure label="Volatility (annualised)">{percentText(m.volatility)}</Figure>
      <Figure label="Max drawdown" sub={dd ? `${dd.peakDate ?? '?'} → ${dd.troughDate ?? '?'}${dd.recoveryDate ? `, recovered ${dd.recoveryDate}` : ', not recovered'}` : undefined}>
        {dd ? percentText(-Math.abs(dd.depth), true) : NOT_AVAILABLE}
      </Figure>
      <Figure label="Sharpe">{numberText(m.sharpe)}</Figure>
      <Figure label="Sortino">{numberText(m.sortino)}</Figure>
      <Figure label="Calmar">{numberText(m.calmar)}</Figure>
      <Figure label="Best / worst day" sub={m.bestDay || m.worstDay ? `${m.bestDay?.date ?? '—'} / ${m.worstDay?.date ?? '—'}` : undefined}>
        <SignedPercent value={m.bestDay?.ret} /> / <SignedPercent value={m.worstDay?.ret} />
      </Figure>
      <Figure label="Win rate" sub={`${m.winningTrades} won, ${m.losingTrades} lost of ${m.closedTrades} closed`}>
        {percentText(m.winRate)}
      </Figure>
      <Figure label="Alpha / beta" sub={data.benchmark ? `Against ${data.benchmark.symbol}, ${m.benchmarkPeriods} periods` : 'No benchmark chosen'}>
        {percentText(m.alpha, true)} / {numberText(m.beta)}
      </Figure>
      <Figure label="Realized P&L" sub="Trades in this range">
        <SignedMoney value={m.realizedPnl} />
      </Figure>
      <Figure label="Unrealized P&L" sub={`Positions held now; net flows ${formatMoney(m.netFlows)}`}>
        <SignedMoney value={m.unrealizedPnl} />
      </Figure>
    </SimpleGrid>
  );
}

export function PerformancePage() {
  const [params, setParams] = useSearchParams();
  const choice = useMemo(() => parsePerformanceParams(params), [params]);
  const performance = trpc.dashboard.performance.useQuery(performanceInput(choice), { placeholderData: (previous) => previous });
  const data = performance.data;

  return (
    <Stack gap="lg">
      <Title order={2}>Performance</Title>
      <Card withBorder padding="md">
        <RangePicker choice={choice} onChange={(c) => setParams(performanceParams(c))} />
      </Card>
      <QueryStatus query={performance} loading="Loading performance…" failed="Performance unavailable" />
      {data && (
        <>
          <Text size="sm" className={secondary.secondary} data-testid="performance-range">
            {data.range.fromDate ?? 'Start'} to {data.range.toDate} (New York dates){performance.isFetching ? ' · updating…' : ''}
          </Text>
          {data.series.length < 2 ? (
            <Alert color="blue" title="Not enough history">
              There are fewer than two equity points in this range, so there is nothing to chart or measure yet.
            </Alert>
          ) : (
            <>
              <Card withBorder padding="md">
                <Title order={3} size="h4" mb="xs">
                  Equity{data.benchmark ? ` against ${data.benchmark.symbol}` : ''}
                </Title>
                <EquityChart data={data} />
              </Card>
              <Card withBorder padding="md">
                <Title order={3} size="h4" mb="xs">
                  Drawdown
                </Title>
                <DrawdownChart data={data} />
              </Card>
            </>
          )}
          {data.gaps.length > 0 && (
            <Alert color="yellow" title="Gaps in the history" data-testid="performance-gaps">
              <List size="sm">
                {data.gaps.map((g) => (
                  <List.Item key={g.from}>
                    {g.reason === 'unfilled'
                      ? `No data for ${g.from === g.to ? g.from : `${g.from} to ${g.to}`}: ${g.detail ?? 'the snapshot could not be taken'}.`
                      : `${g.from === g.to ? g.from : `${g.from} to ${g.to}`}: ${GAP_REASON_TEXT[g.reason] ?? g.reason}.`}{' '}
                    Shown as a break, not filled in.
                  </List.Item>
                ))}
              </List>
            </Alert>
          )}
          <Metrics data={data} />
          <Card withBorder padding="md">
            <Title order={3} size="h4" mb="xs">
              Monthly returns
            </Title>
            <MonthlyHeatmap monthly={data.monthlyReturns} />
          </Card>
        </>
      )}
    </Stack>
  );
}
