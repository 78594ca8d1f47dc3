// The composition root: every long-lived service, built once per process and passed to
// routers through the tRPC context.
import type { IncomingMessage } from 'node:http';
import { migrate, openDatabase, redactDatabaseUrl, type Database, type PrismaClient } from '@jutsu/db';
import { AccessTokens } from './auth/access-token.ts';
import type { Config } from './config.ts';
import { clientIp, compileTrust, type TrustFn } from './http/client-ip.ts';
import { LiveBus } from './http/live-bus.ts';
import { SocketRegistry } from './http/socket-registry.ts';
import type { Logger } from './logger.ts';
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
}

export async function createServices(config: Config, logger: Logger, opts: ServiceOptions = {}): Promise<AppServices> {
  const db = opts.db ?? (await openDatabase({ url: config.DATABASE_URL, dataDir: config.PGLITE_DIR }));
  if (!opts.db) {
    logger.info({ database: redactDatabaseUrl(config.DATABASE_URL), kind: db.kind }, 'database opened');
    const res = await migrate(db.sql);
    if (res.applied.length) logger.info({ applied: res.applied }, 'migrations applied');
  }
  const trust = compileTrust(config.TRUSTED_PROXIES);
  const liveBus = new LiveBus(db.sql, logger);
  await liveBus.start();
  const rateLimits = new RateLimits(rateLimitBuckets({ loginPerMinute: config.LOGIN_RATE_LIMIT }), { redisUrl: config.REDIS_URL });
  const services: AppServices = {
    config,
    logger,
    db,
    prisma: db.prisma,
    rateLimits,
    securityEvents: new SecurityEvents(db.prisma),
    accessTokens: new AccessTokens(config.SECRET_KEY, config.ACCESS_TOKEN_EXPIRE_MINUTES * 60),
    liveBus,
    sockets: new SocketRegistry(),
    trust,
    clientIp: (req) => clientIp(req, trust),
    startedAt: new Date(),
    heartbeatMs: opts.heartbeatMs ?? 5_000,
    async close() {
      await liveBus.stop();
      await rateLimits.close();
      if (!opts.db) await db.close();
    },
  };
  return services;
}
