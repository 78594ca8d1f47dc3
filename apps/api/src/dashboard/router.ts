// dashboard.*: the trading dashboard's reads, open to every signed-in role from viewer up.
// Reads are rate-limited like any API call and not audited; the trade export is a mutation
// (an authenticated POST: the CSV never travels behind a token in a URL) and is audited.
import {
  dashboardExportTradesInput,
  dashboardExportTradesOutput,
  dashboardOverviewOutput,
  dashboardPerformanceInput,
  dashboardPerformanceOutput,
  dashboardPositionsInput,
  dashboardPositionsOutput,
  dashboardTradesInput,
  dashboardTradesOutput,
} from '@jutsu/shared';
import { appError } from '../trpc/errors.ts';
import { roleProcedure, router } from '../trpc/procedures.ts';
import { syncOutput } from '../trpc/sync-output.ts';
import { DEFAULT_SYNC_INTERVAL_SECONDS, exportTrades, InvalidCursorError, InvalidRangeError, overview, performance, positions, trades } from './service.ts';

const viewerProcedure = roleProcedure('viewer');

export const dashboardRouter = router({
  overview: viewerProcedure
    .meta({ rateLimit: 'api', audit: false })
    .output(dashboardOverviewOutput)
    .query(({ ctx }) => overview(ctx.services.prisma, { syncIntervalSeconds: ctx.services.config.SCHWAB_SYNC_SECONDS ?? DEFAULT_SYNC_INTERVAL_SECONDS })),

  positions: viewerProcedure
    .meta({ rateLimit: 'api', audit: false })
    .input(dashboardPositionsInput)
    .output(syncOutput(dashboardPositionsOutput))
    .query(({ ctx, input }) => positions(ctx.services.db.sql, input?.accountHash ? { accountHash: input.accountHash } : {})),

  /** Newest first, keyset-paginated: pass `nextCursor` back as `cursor`. */
  trades: viewerProcedure
    .meta({ rateLimit: 'api', audit: false })
    .input(dashboardTradesInput)
    .output(syncOutput(dashboardTradesOutput))
    .query(async ({ ctx, input }) => {
      try {
        return await trades(ctx.services.db.sql, input);
      } catch (err) {
        if (err instanceof InvalidCursorError) throw appError('BAD_REQUEST', 'INVALID_CURSOR', 'This page link is not valid. Start from the first page.');
        throw err;
      }
    }),

  performance: viewerProcedure
    .meta({ rateLimit: 'api', audit: false })
    .input(dashboardPerformanceInput)
    .output(dashboardPerformanceOutput)
    .query(async ({ ctx, input }) => {
      const spec = input.range !== undefined ? { range: input.range as 'max' } : { from: input.from!, to: input.to! };
      try {
        return await performance(ctx.services.prisma, { spec, benchmark: input.benchmark, riskFreeRate: input.riskFreeRate });
      } catch (err) {
        if (err instanceof InvalidRangeError) throw appError('BAD_REQUEST', 'INVALID_RANGE', 'This date range is not valid.');
        throw err;
      }
    }),

  /** The filtered trade history as CSV (formula-safe), at most EXPORT_MAX_ROWS rows. */
  exportTrades: viewerProcedure
    .meta({ rateLimit: 'api', audit: 'dashboard.trades_exported' })
    .input(dashboardExportTradesInput)
    .output(dashboardExportTradesOutput)
    .mutation(async ({ ctx, input }) => {
      ctx.audit.details = { filters: input };
      const out = await exportTrades(ctx.services.db.sql, input);
      ctx.audit.details = { filters: input, rowCount: out.rowCount, truncated: out.truncated };
      return out;
    }),
});
