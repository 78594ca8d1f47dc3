// A real API for tests: real HTTP + WebSocket server on an ephemeral port, a real database
// (PGlite in memory, or PostgreSQL when configured), and every log line captured so tests
// can prove no secret was written.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { createTRPCClient, createWSClient, httpBatchLink, httpLink, splitLink, wsLink, type TRPCClient } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import superjson from 'superjson';
import { isSessionProcedure } from '@jutsu/shared';
import WebSocket from 'ws';
import { createTestDatabase, type TestDatabase } from '@jutsu/db/testing';
import { loadConfig, type Config } from '../config.ts';
import { startServer, type RunningServer } from '../http/server.ts';
import { createLogger } from '../logger.ts';
import { createServices, type AppServices } from '../services.ts';
import type { AppRouter } from '../trpc/app-router.ts';

export const TEST_ORIGIN = 'http://app.test';

export interface Harness {
  url: string;
  services: AppServices;
  server: RunningServer;
  db: TestDatabase;
  config: Config;
  logs: string[];
  /** Fails the test if any log line contains one of these strings. */
  expectLogsFreeOf(secrets: string[]): void;
  close(): Promise<void>;
}

export async function startHarness(env: Record<string, string> = {}, opts: { heartbeatMs?: number; db?: TestDatabase; router?: AnyTRPCRouter } = {}): Promise<Harness> {
  const db = opts.db ?? (await createTestDatabase());
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      SECRET_KEY: randomBytes(48).toString('base64'),
      ENCRYPTION_KEYS: `t1:${randomBytes(32).toString('base64')}`,
      PUBLIC_URL: TEST_ORIGIN,
      LOG_LEVEL: 'debug',
      // The PostgreSQL project also runs the scale-out shape: shared Redis counters.
      ...(process.env.JUTSU_TEST_DB === 'postgres' && process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
      ...env,
    },
    { persistDevSecrets: false },
  );
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString('utf8'));
      cb();
    },
  });
  const logger = createLogger({ level: config.LOG_LEVEL, destination: sink });
  const services = await createServices(config, logger, { db, heartbeatMs: opts.heartbeatMs ?? 50, rateLimitPrefix: `t:${randomBytes(6).toString('hex')}` });
  const server = await startServer(services, { port: 0, host: '127.0.0.1', ...(opts.router ? { router: opts.router } : {}) });
  return {
    url: server.url,
    services,
    server,
    db,
    config,
    logs,
    expectLogsFreeOf(secrets) {
      const all = logs.join('');
      for (const s of secrets) {
        if (s && all.includes(s)) throw new Error(`a log line contains a secret (${s.slice(0, 4)}…)`);
      }
    },
    async close() {
      await server.close();
      await services.close();
      if (!opts.db) await db.destroy();
    },
  };
}

export interface ClientOptions {
  token?: () => string | undefined;
  /** Cookie jar shared across calls, for the refresh cookie. */
  cookies?: Map<string, string>;
  origin?: string;
  headers?: Record<string, string>;
}

/** A cookie-aware fetch: what a browser would keep between calls to /api/auth. */
export function cookieFetch(jar: Map<string, string>): typeof fetch {
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(input, { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /max-age=0\b/i.test(a.trim())) || value === '';
      if (expired) jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  };
}

/** The SPA's link layout: auth.* unbatched to /api/auth, the rest batched to /api/trpc, subscriptions over ws. */
export function createClient<R extends AnyTRPCRouter = AppRouter>(h: Harness, opts: ClientOptions = {}): { client: TRPCClient<R>; close(): void } {
  const origin = opts.origin ?? TEST_ORIGIN;
  const headers = () => {
    const token = opts.token?.();
    return { origin, ...(token ? { authorization: `Bearer ${token}` } : {}), ...opts.headers };
  };
  const jar = opts.cookies ?? new Map<string, string>();
  const wsUrl = h.url.replace('http', 'ws') + '/api/ws';
  class OriginWebSocket extends WebSocket {
    constructor(url: string) {
      super(url, { origin });
    }
  }
  const wsClient = createWSClient({
    url: wsUrl,
    WebSocket: OriginWebSocket as unknown as typeof globalThis.WebSocket,
    connectionParams: () => ({ token: opts.token?.() ?? '' }),
    retryDelayMs: () => 50,
    // Connect at the first subscription, with the token of that moment (as the SPA does).
    lazy: { enabled: true, closeMs: 0 },
  });
  const client = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink({ client: wsClient, transformer: superjson }),
        false: splitLink({
          condition: (op) => isSessionProcedure(op.path),
          true: httpLink({ url: `${h.url}/api/auth`, transformer: superjson, headers, fetch: cookieFetch(jar) }),
          false: httpBatchLink({ url: `${h.url}/api/trpc`, transformer: superjson, headers }),
        }),
      }),
    ],
  });
  return { client: client as unknown as TRPCClient<R>, close: () => void wsClient.close() };
}

/** Polls until `check` passes (for effects written after a response, such as fire-and-forget events). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 3_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
