// The composition root: every long-lived service, built once per process and passed to
// routers through the tRPC context.
import type { IncomingMessage } from 'node:http';
import { migrate, openDatabase, redactDatabaseUrl, type Database, type PrismaClient } from '@jutsu/db';
import { WS_CLOSE } from '@jutsu/shared';
import { AccessCache } from './auth/access-cache.ts';
import { dropCacheOnAuthWrites } from './auth/access-cache-writes.ts';
import { AccessTokens } from './auth/access-token.ts';
import { accountThrottleKey } from './auth/credential-guard.ts';
import { LoginChallenges } from './auth/login-challenges.ts';
import { Sessions } from './auth/sessions.ts';
import type { Config } from './config.ts';
import { clientIp, compileTrust, type TrustFn } from './http/client-ip.ts';
import { LiveBus } from './http/live-bus.ts';
import { SocketRegistry } from './http/socket-registry.ts';
import type { Logger } from './logger.ts';
import { Alerts } from './security/alerts.ts';
import { Keyring } from './security/keyring.ts';
import { Mailer } from './security/mailer.ts';
import { RateLimits, rateLimitBuckets } from './security/rate-limit.ts';
import { SecurityEvents } from './security/security-events.ts';
import { Workers } from './workers.ts';
import { readStatus } from './schwab/connection.ts';
import { systemActor } from './security/actor.ts';
import { haltForAuth, tripKillSwitch, type EngineStateDeps } from './engine/state.ts';
import { createSchwabServices, namedAdvisoryLock, type SchwabServices } from './schwab/wiring.ts';
import { cancelAllWorkingOrders, orderRecoveryWorker, sendLiveIntent, type LiveOrderDeps } from './engine/orders.ts';
import { executeIntent } from './engine/execute.ts';
import { readEffectiveConfig } from './engine-config/effective.ts';
import { SchwabBroker } from './engine/schwab-broker.ts';
import type { TradingDeps } from './trading/service.ts';
import { createSnapshotServices } from './snapshots/wiring.ts';
import { PaperBroker, storedQuoteSource } from './engine/paper-broker.ts';
import type { RunnerDeps } from './engine/runner.ts';
import { engineRunJob, TradeSlotSetting, type Scheduler } from './scheduler/scheduler.ts';
import { createScheduler } from './scheduler/wiring.ts';
import { reconciliationJob, scheduledEngineRun } from './engine/jobs.ts';

export const VERSION = '0.1.0';

export interface AppServices {
  config: Config;
  logger: Logger;
  db: Database;
  prisma: PrismaClient;
  rateLimits: RateLimits;
  securityEvents: SecurityEvents;
  accessTokens: AccessTokens;
  /** Each signed-in caller's authority in memory, dropped when the database says it changed. */
  accessCache: AccessCache;
  liveBus: LiveBus;
  sockets: SocketRegistry;
  sessions: Sessions;
  loginChallenges: LoginChallenges;
  /** AES-256-GCM for secrets at rest (ENCRYPTION_KEYS). */
  keyring: Keyring;
  mailer: Mailer | undefined;
  alerts: Alerts;
  /** Background workers: started here, stopped by close(), health on /readyz. */
  workers: Workers;
  /** The Schwab connection: token broker, sync. */
  schwab: SchwabServices;
  /** The engine's state machine and mode (engine/state.ts); the live-orders part sets cancelWorkingOrders. */
  engineState: EngineStateDeps;
  /** Live orders: sending, recovery, cancelling, reconciliation (engine/orders.ts, engine/reconcile.ts). */
  liveOrders: LiveOrderDeps;
  /** Manual orders (trading.*); `paper` is the engine's paper path once wired. */
  trading: TradingDeps;
  /** Strategy runs (engine/runner.ts): the brokers by mode, the kill switch, the clock. */
  engineRun: RunnerDeps;
  /** Scheduled jobs (scheduler_jobs): the Schwab syncs, the strategy run, and what others register. */
  scheduler: Scheduler;
  trust: TrustFn;
  clientIp(req: IncomingMessage): string;
  startedAt: Date;
  heartbeatMs: number;
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** An already-open database (tests); otherwise opened from the config. */
  db?: Database;
  heartbeatMs?: number;
  /** Keeps tests that share one Redis from sharing counters. */
  rateLimitPrefix?: string;
}

export async function createServices(config: Config, logger: Logger, opts: ServiceOptions = {}): Promise<AppServices> {
  const keyring = Keyring.parse(config.ENCRYPTION_KEYS); // before anything opens: a bad key list fails fast
  const db = opts.db ?? (await openDatabase({ url: config.DATABASE_URL, dataDir: config.PGLITE_DIR }));
  if (!opts.db) {
    logger.info({ database: redactDatabaseUrl(config.DATABASE_URL), kind: db.kind }, 'database opened');
    const res = await migrate(db.sql);
    if (res.applied.length) logger.info({ applied: res.applied }, 'migrations applied');
  }
  const trust = compileTrust(config.TRUSTED_PROXIES);
  const workers = new Workers(logger);
  const liveBus = new LiveBus(db.sql, logger, { retentionMs: config.LIVE_EVENTS_RETENTION_MINUTES * 60_000 });
  // Required: without it, sessions revoked on another replica keep their sockets here.
  workers.register({ name: 'live-bus', required: true, start: () => liveBus.start(), stop: () => liveBus.stop() });
  let liveSweep: NodeJS.Timeout | undefined;
  workers.register({
    name: 'live-events-sweep',
    required: false,
    start: (w) => {
      liveSweep = setInterval(() => void liveBus.sweep().then(() => w.healthy(), (err: unknown) => w.degraded(err)), 60_000);
      liveSweep.unref();
    },
    stop: () => clearInterval(liveSweep),
  });
  const accessCache = new AccessCache(db.sql, logger);
  const prisma = dropCacheOnAuthWrites(db.prisma, accessCache);
  // Not required: without it every authenticated call reads the database, as before.
  workers.register({ name: 'access-cache', required: false, start: () => accessCache.start(), stop: () => accessCache.stop() });
  const rateLimits = new RateLimits(rateLimitBuckets({ loginPerMinute: config.LOGIN_RATE_LIMIT, accountFreeFailures: config.LOGIN_DELAY_AFTER_FAILURES, perMinute: config.RATE_LIMITS }), { redisUrl: config.REDIS_URL, ...(opts.rateLimitPrefix ? { keyPrefix: opts.rateLimitPrefix } : {}) });
  const securityEvents = new SecurityEvents(prisma, {
    secretKey: config.SECRET_KEY,
    logger,
    checkpointEvery: config.SECURITY_LOG_CHECKPOINT_EVERY,
    perAddressPerMinute: config.SECURITY_LOG_EVENTS_PER_ADDRESS_MINUTE,
    retentionDays: config.SECURITY_LOG_RETENTION_DAYS,
  });
  // Retention, checkpoints and the per-address summaries; stopped after the alerts (reverse order).
  workers.register({ name: 'security-log', required: false, start: () => securityEvents.start(), stop: () => securityEvents.stop() });
  const mailer = Mailer.fromConfig(config);
  const alerts = new Alerts(prisma, config, logger, mailer);
  securityEvents.onEvent((e) => {
    if (e.severity === 'critical') void alerts.enqueue(e).catch((err: unknown) => logger.error({ err }, 'could not queue alert'));
  });
  workers.register(alerts);
  const engineState: EngineStateDeps = {
    prisma,
    securityEvents,
    liveBus,
    logger,
    schwabState: async () => (await readStatus(schwab.deps)).state,
    // The kill switch's part at the broker. With no Schwab login and nothing live in flight
    // there is nothing to cancel (a paper-only install halts without a broker call).
    cancelWorkingOrders: async () => {
      const inFlight = await prisma.orderIntent.count({ where: { mode: 'live', status: { in: ['pending', 'sending', 'working', 'unknown'] } } });
      const state = (await readStatus(schwab.deps)).state;
      if (inFlight === 0 && state !== 'connected' && state !== 'expiring') return 0;
      const report = await cancelAllWorkingOrders(liveOrders, systemActor('engine.kill-switch'));
      if (report.failed.length) throw new Error(`could not cancel ${report.failed.length} order(s)`);
      return report.cancelled.length;
    },
  };
  const schwab = createSchwabServices({
    prisma,
    sql: db.sql,
    keyring,
    config,
    securityEvents,
    alerts,
    liveBus,
    logger,
    // A login Schwab refused stops the engine (halted_auth) until a person reconnects and resumes.
    onReauthRequired: (reason) => haltForAuth(engineState, systemActor('schwab.reauth'), reason),
  });
  const liveOrders: LiveOrderDeps = {
    prisma,
    lock: namedAdvisoryLock(db.sql),
    liveBroker: () => SchwabBroker.forLiveAccount({ prisma, tokens: schwab.broker }),
    events: securityEvents,
    publish: (e) => liveBus.publish(e),
    logger,
  };
  // Crash leftovers are looked up at the broker at start, then every minute while any are open.
  workers.register(orderRecoveryWorker(liveOrders));
  const trading: TradingDeps = { prisma, orders: liveOrders };
  const snapshots = createSnapshotServices({ prisma, sql: db.sql, liveBus, logger, schwab });
  for (const w of snapshots.workers) workers.register(w);
  const paperBroker = new PaperBroker({ prisma, quoteSource: storedQuoteSource(prisma), now: () => new Date() });
  const engineRun: RunnerDeps = {
    prisma,
    sql: db.sql,
    securityEvents,
    liveBus,
    logger,
    now: () => new Date(),
    brokerFor: (mode) => (mode === 'paper' ? paperBroker : liveOrders.liveBroker()),
    // The daily loss limit trips the same kill switch a person pulls (halt + cancel at the broker).
    tripKillSwitch: (actor, reason) => tripKillSwitch(engineState, actor, reason),
    sendLive: (intentId) => sendLiveIntent(liveOrders, intentId, { track: true }),
    ...(config.ENGINE_MARKET_ALWAYS_OPEN ? { marketAlwaysOpen: true } : {}),
  };
  if (config.ENGINE_MARKET_ALWAYS_OPEN) logger.warn('ENGINE_MARKET_ALWAYS_OPEN: the engine treats the market as open at any hour (tests only)');
  // Manual paper tickets take the engine's paper path: the pending intent exists, then it fills.
  trading.paper = {
    broker: () => Promise.resolve(paperBroker),
    execute: async (intentId) => {
      const intent = await prisma.orderIntent.findUniqueOrThrow({ where: { id: intentId } });
      return executeIntent({ prisma, broker: paperBroker, strategy: 'manual', config: await readEffectiveConfig(prisma), now: () => new Date() }, intent);
    },
  };
  const scheduler = createScheduler(
    { prisma, sql: db.sql, logger, liveBus },
    {
      jobs: schwab.jobs,
      // The engine's jobs: the strategy run at the trade slot, the snapshots, the reconciliation.
      extraJobs: [
        engineRunJob(new TradeSlotSetting(prisma), (actor) => scheduledEngineRun(engineRun, actor, liveOrders)),
        ...snapshots.jobs,
        reconciliationJob(liveOrders, async () => ['connected', 'expiring'].includes((await readStatus(schwab.deps)).state)),
      ],
    },
  );
  workers.register(scheduler.worker());
  try {
    await workers.startAll();
  } catch (err) {
    mailer?.close();
    await rateLimits.close();
    if (!opts.db) await db.close();
    throw err;
  }
  const sockets = new SocketRegistry();
  // Every process ends the sockets of sessions revoked anywhere (a moment later, so the
  // events.session message reaches the tab first).
  const stopSocketSync = liveBus.onEvent((e) => {
    if (e.topic !== 'session' || !e.userId) return;
    const userId = e.userId;
    if (e.type === 'session.revoked') {
      const ids = e.payload.sessionIds;
      const t = setTimeout(() => (ids === 'all' ? sockets.closeUser(userId) : sockets.closeSessions(ids)), 100);
      t.unref();
    } else if (e.type === 'user.disabled') {
      const t = setTimeout(() => sockets.closeUser(userId), 100);
      t.unref();
    } else if (e.type === 'user.reauthorize') {
      sockets.closeUser(userId, WS_CLOSE.tokenExpired);
    } else if (e.type === 'user.unlocked') {
      // Unlocked anywhere (another replica, the CLI): this process's throttle for the name goes too.
      void rateLimits.reset('loginAccount', accountThrottleKey(e.payload.username)).catch((err: unknown) => logger.warn({ err }, 'could not clear the sign-in throttle'));
    }
  });
  const services: AppServices = {
    config,
    logger,
    db,
    prisma,
    rateLimits,
    securityEvents,
    accessTokens: new AccessTokens(config.SECRET_KEY, config.ACCESS_TOKEN_EXPIRE_MINUTES * 60),
    accessCache,
    liveBus,
    sockets,
    sessions: new Sessions(prisma, liveBus, {
      lifetimeMs: config.REFRESH_TOKEN_EXPIRE_DAYS * 86_400_000,
      idleMs: config.SESSION_IDLE_MINUTES * 60_000,
    }),
    loginChallenges: new LoginChallenges(prisma),
    keyring,
    mailer,
    alerts,
    workers,
    schwab,
    engineState,
    liveOrders,
    trading,
    engineRun,
    scheduler,
    trust,
    clientIp: (req) => clientIp(req, trust),
    startedAt: new Date(),
    heartbeatMs: opts.heartbeatMs ?? 5_000,
    async close() {
      stopSocketSync();
      // Reverse start order: alerts finish the send under way, the security log writes its
      // summary rows and head checkpoint, the sweep stops, then the live bus stops listening.
      await workers.stopAll();
      mailer?.close();
      await rateLimits.close();
      if (!opts.db) await db.close();
    },
  };
  return services;
}
