// Overview: the landing page after sign-in. What the account is worth now, today's gain or
// loss, where the money is, what the engine and the Schwab link are doing, and how fresh all
// of it is. Live events refetch it (LiveDashboardUpdates); the "ago" ticks every second.
import { Badge, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import type { DashboardOverview } from '@jutsu/shared';
import { useMemo } from 'react';
import { QueryStatus } from '../../components/QueryStatus.tsx';
import secondary from '../../components/secondary-text.module.css';
import { formatMoney, formatRelativeTime, formatSignedMoney } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { newYorkWallTime } from './chart-data.ts';
import { Figure, NOT_AVAILABLE, percentText, Signed, SignedPercent } from './Figure.tsx';
import { freshnessAt, FRESHNESS_REASON_TEXT, VERDICT_COLOR, VERDICT_LABEL } from './freshness.ts';
import { TimeChart } from './TimeChart.tsx';
import { useNow } from './use-now.ts';

const money = (v: string | null) => (v === null ? NOT_AVAILABLE : formatMoney(v));

/** The Schwab link as the overview shows it: no account, connected but never synced, or syncing. */
export function schwabState(overview: Pick<DashboardOverview, 'accounts' | 'lastSyncedAt'>): { label: string; color: string } {
  if (overview.accounts.length === 0) return { label: 'Not connected', color: 'gray' };
  if (overview.lastSyncedAt === null) return { label: 'Connected, not synced yet', color: 'yellow' };
  return { label: `Connected (${overview.accounts.length} ${overview.accounts.length === 1 ? 'account' : 'accounts'})`, color: 'teal' };
}

function FreshnessLine({ overview }: { overview: DashboardOverview }) {
  const now = useNow(1000);
  const f = freshnessAt(overview.freshness, overview.lastSyncedAt, now);
  const reason = f.reason ? FRESHNESS_REASON_TEXT[f.reason] ?? f.reason : null;
  return (
    <Group gap="xs" wrap="wrap" data-testid="freshness" data-verdict={f.verdict}>
      <Badge color={VERDICT_COLOR[f.verdict]} variant={f.verdict === 'fresh' ? 'light' : 'filled'}>
        {VERDICT_LABEL[f.verdict]}
      </Badge>
      <Text size="sm">{overview.lastSyncedAt ? `Updated ${formatRelativeTime(overview.lastSyncedAt, now)}` : 'Never updated'}</Text>
      {reason && (
        <Text size="sm" className={secondary.secondary}>
          {reason}
        </Text>
      )}
    </Group>
  );
}

function Sparkline({ overview }: { overview: DashboardOverview }) {
  const lines = useMemo(
    () => [{ label: 'Equity', color: '#4263eb', kind: 'area' as const, data: overview.sparkline.map((p) => ({ time: newYorkWallTime(p.at), value: Number(p.equity) })) }],
    [overview.sparkline],
  );
  const points = overview.sparkline;
  if (points.length < 2) {
    return (
      <Text size="sm" className={secondary.secondary}>
        Not enough snapshots today for a chart yet.
      </Text>
    );
  }
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const summary = `Equity today, ${points.length} points: from ${formatMoney(first.equity)} to ${formatMoney(last.equity)}.`;
  return <TimeChart lines={lines} summary={summary} height={90} compact intraday testId="overview-sparkline" />;
}

export function OverviewPage() {
  const overview = trpc.dashboard.overview.useQuery();
  const data = overview.data;

  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <Title order={2}>Overview</Title>
        {data && <FreshnessLine overview={data} />}
      </Group>
      <QueryStatus query={overview} loading="Loading the overview…" failed="Overview unavailable" />
      {data && (
        <>
          <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="md">
            <Figure label="Net liquidation value" testId="figure-net-liquidation">
              {money(data.netLiquidation)}
            </Figure>
            <Figure label="Day P&L" testId="figure-day-pnl" sub={<SignedPercent value={data.dayPnlPct} />}>
              {data.dayPnl === null ? NOT_AVAILABLE : <Signed value={data.dayPnl}>{formatSignedMoney(data.dayPnl)}</Signed>}
            </Figure>
            <Figure label="Cash" testId="figure-cash">
              {money(data.cash)}
            </Figure>
            <Figure label="Buying power" testId="figure-buying-power" sub={data.buyingPower === null && data.balancesSource === 'snapshot' ? 'Known after the next sync' : undefined}>
              {money(data.buyingPower)}
            </Figure>
            <Figure label="Invested" testId="figure-invested" sub={data.positionsValue === null ? undefined : `${formatMoney(data.positionsValue)} in positions`}>
              {percentText(data.investedPct)}
            </Figure>
            <Figure label="Positions" testId="figure-positions">
              {data.positionCount}
            </Figure>
            <Figure label="Engine" testId="figure-engine" sub={data.engine.mode === 'live' ? 'Live trading' : 'Paper trading'}>
              <Group gap="xs" component="span">
                <span>{data.engine.state}</span>
                <Badge color={data.engine.mode === 'live' ? 'red' : 'gray'} variant="light">
                  {data.engine.mode}
                </Badge>
              </Group>
            </Figure>
            <Figure label="Schwab" testId="figure-schwab">
              <Badge color={schwabState(data).color} variant="light" size="lg">
                {schwabState(data).label}
              </Badge>
            </Figure>
          </SimpleGrid>
          <Card withBorder padding="md">
            <Title order={3} size="h5" mb="xs">
              Equity today
            </Title>
            <Sparkline overview={data} />
          </Card>
          {data.balancesSource === 'none' && (
            <Text size="sm" className={secondary.secondary}>
              No balances yet: the figures appear after the first sync of a connected account.
            </Text>
          )}
        </>
      )}
    </Stack>
  );
}
