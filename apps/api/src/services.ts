// The composition root: every long-lived service, built once per process and passed to
// routers through the tRPC context.
import type { IncomingMessage } from 'node:http';
import { migrate, openDatabase, redactDatabaseUrl, type Database, type PrismaClient } from '@jutsu/db';
import { AccessTokens } from './auth/access-token.ts';
import { LoginChallenges } from './auth/login-challenges.ts';
import { Sessions } from './auth/sessions.ts';
import type { Config } from './config.ts';
import { clientIp, compileTrust, type TrustFn } from './http/client-ip.ts';
import { LiveBus } from './http/live-bus.ts';
import { SocketRegistry, WS_CLOSE } from './http/socket-registry.ts';
import type { Logger } from './logger.ts';
import { Alerts } from './security/alerts.ts';
import { Keyring } from './security/keyring.ts';
import { Mailer } from './security/mailer.ts';
import { RateLimits, rateLimitBuckets } from './security/rate-limit.ts';
import { SecurityEvents } from './security/security-events.ts';

export const VERSION = '0.1.0';

export interface AppServices {
  config: Config;
  logger: Logger;
  db: Database;
  prisma: PrismaClient;
  rateLimits: RateLimits;
  securityEvents: SecurityEvents;
  accessTokens: AccessTokens;
  liveBus: LiveBus;
  sockets: SocketRegistry;
  sessions: Sessions;
  loginChallenges: LoginChallenges;
  /** AES-256-GCM for secrets at rest (ENCRYPTION_KEYS). */
  keyring: Keyring;
  mailer: Mailer | undefined;
  alerts: Alerts;
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
  const liveBus = new LiveBus(db.sql, logger);
  await liveBus.start();
  const rateLimits = new RateLimits(rateLimitBuckets({ loginPerMinute: config.LOGIN_RATE_LIMIT, accountFreeFailures: config.LOGIN_DELAY_AFTER_FAILURES }), { redisUrl: config.REDIS_URL, ...(opts.rateLimitPrefix ? { keyPrefix: opts.rateLimitPrefix } : {}) });
  const securityEvents = new SecurityEvents(db.prisma);
  const mailer = Mailer.fromConfig(config);
  const alerts = new Alerts(db.prisma, config, logger, mailer);
  securityEvents.onEvent((e) => {
    if (e.severity === 'critical') void alerts.enqueue(e).catch((err: unknown) => logger.error({ err }, 'could not queue alert'));
  });
  alerts.start();
  const sockets = new SocketRegistry();
  // Every process ends the sockets of sessions revoked anywhere (a moment later, so the
  // events.session message reaches the tab first).
  const stopSocketSync = liveBus.onEvent((e) => {
    if (e.type === 'session.revoked') {
      const t = setTimeout(() => (e.sessionIds === 'all' ? sockets.closeUser(e.userId) : sockets.closeSessions(e.sessionIds)), 100);
      t.unref();
    } else if (e.type === 'user.disabled') {
      const t = setTimeout(() => sockets.closeUser(e.userId), 100);
      t.unref();
    } else if (e.type === 'user.reauthorize') {
      sockets.closeUser(e.userId, WS_CLOSE.tokenExpired);
    }
  });
  const services: AppServices = {
    config,
    logger,
    db,
    prisma: db.prisma,
    rateLimits,
    securityEvents,
    accessTokens: new AccessTokens(config.SECRET_KEY, config.ACCESS_TOKEN_EXPIRE_MINUTES * 60),
    liveBus,
    sockets,
    sessions: new Sessions(db.prisma, liveBus, {
      lifetimeMs: config.REFRESH_TOKEN_EXPIRE_DAYS * 86_400_000,
      idleMs: config.SESSION_IDLE_MINUTES * 60_000,
    }),
    loginChallenges: new LoginChallenges(db.prisma),
    keyring,
    mailer,
    alerts,
    trust,
    clientIp: (req) => clientIp(req, trust),
    startedAt: new Date(),
    heartbeatMs: opts.heartbeatMs ?? 5_000,
    async close() {
      stopSocketSync();
      await alerts.stop();
      mailer?.close();
      await liveBus.stop();
      await rateLimits.close();
      if (!opts.db) await db.close();
    },
  };
  return services;
}
