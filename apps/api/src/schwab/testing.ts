// Test helpers for the Schwab connection: the fake's consent page clicked through over real
// HTTP, a controllable clock shared with the fake, and dependencies over a real database.
import type { Database } from '@jutsu/db';
import { createLogger } from '../logger.ts';
import type { Keyring } from '../security/keyring.ts';
import { SecurityEvents, type StoredSecurityEvent } from '../security/security-events.ts';
import type { FakeSchwab } from './fake/server.ts';
import type { AdvisoryLock, SchwabDeps, SchwabLiveEvent } from './settings.ts';
import { namedAdvisoryLock } from './wiring.ts';
import { accessCtx, refreshCtx, TOKEN_ROW_ID } from './token-broker.ts';
import { REFRESH_TOKEN_TTL_MS } from './connection.ts';
import type { SyncDeps } from './sync.ts';
import { TokenBroker } from './token-broker.ts';

export class TestClock {
  constructor(public ms = Date.now()) {}
  now = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Presses "Allow" on the fake's consent page; answers the redirect URL exactly as Schwab sends it. */
export async function approve(fakeUrl: string, authorizeUrl: string): Promise<string> {
  // One retry: an idle keep-alive socket the fake just closed is not what is under test.
  const page = await fetch(authorizeUrl).catch(() => fetch(authorizeUrl));
  if (page.status !== 200) throw new Error(`consent page answered ${page.status}`);
  await page.text();
  const q = new URL(authorizeUrl).searchParams;
  const form = new URLSearchParams();
  for (const k of ['client_id', 'redirect_uri', 'state', 'code_challenge', 'code_challenge_method']) form.set(k, q.get(k) ?? '');
  form.set('decision', 'allow');
  const res = await fetch(`${fakeUrl}/v1/oauth/authorize`, { method: 'POST', body: form, redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`consent answered ${res.status}`);
  return location;
}

/** The raw (still percent-encoded) code in a redirect URL, e.g. "C0.…%40". */
export function rawCode(redirectUrl: string): string {
  return /[?&]code=([^&#]*)/.exec(redirectUrl)?.[1] ?? '';
}

/** Every refresh token the fake currently honours (to prove none is stored or logged in clear). */
export function fakeRefreshTokens(fake: FakeSchwab): string[] {
  return (fake as unknown as { grants: { refreshToken: string; accessTokens: Map<string, number> }[] }).grants.map((g) => g.refreshToken);
}
export function fakeAccessTokens(fake: FakeSchwab): string[] {
  return (fake as unknown as { grants: { accessTokens: Map<string, number> }[] }).grants.flatMap((g) => [...g.accessTokens.keys()]);
}

export interface TestDepsOptions {
  db: Database;
  keyring: Keyring;
  fake: FakeSchwab;
  clock: TestClock;
  lock?: AdvisoryLock;
  published?: SchwabLiveEvent[];
  alerted?: StoredSecurityEvent[];
}

export function testDeps(o: TestDepsOptions): SyncDeps {
  const base: SchwabDeps = {
    prisma: o.db.prisma,
    keyring: o.keyring,
    oauth: { baseUrl: o.fake.baseUrl, clientId: o.fake.clientId, clientSecret: o.fake.clientSecret, redirectUri: o.fake.redirectUri, allowInsecureHttp: true },
    lock: o.lock ?? namedAdvisoryLock(o.db.sql),
    events: new SecurityEvents(o.db.prisma),
    alerts: {
      enqueue: async (e) => {
        o.alerted?.push(e);
      },
    },
    publish: (e) => void o.published?.push(e),
    logger: createLogger({ level: 'silent' }),
    now: o.clock.now,
  };
  return { ...base, broker: new TokenBroker(base), client: { sleep: async () => undefined } };
}

/** Stores tokens the fake issued, as a login would have (deadline: seven days from `connectedAt`). */
export async function storeIssuedTokens(deps: SchwabDeps, fake: FakeSchwab, clock: TestClock, accessExpiresInMs = 30 * 60 * 1000) {
  const issued = fake.issueTokensForTest();
  const now = clock.now();
  const data = {
    accessToken: deps.keyring.encrypt(issued.accessToken, accessCtx),
    refreshToken: deps.keyring.encrypt(issued.refreshToken, refreshCtx),
    accessExpiresAt: new Date(now.getTime() + accessExpiresInMs),
    refreshExpiresAt: new Date(now.getTime() + REFRESH_TOKEN_TTL_MS),
    connectedAt: now,
    reauthRequiredAt: null,
    lastRefreshedAt: null,
    lastError: null,
  };
  await deps.prisma.schwabToken.upsert({ where: { id: TOKEN_ROW_ID }, create: { id: TOKEN_ROW_ID, ...data }, update: data });
  return issued;
}

/** Every row of every table as text, to search for secrets in any form. */
export async function dumpAllTables(db: Database): Promise<string> {
  const tables = await db.sql.query<{ t: string }>(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
  let out = '';
  for (const { t } of tables) {
    const rows = await db.sql.query<{ r: string }>(`SELECT x::text AS r FROM "${t.replace(/"/g, '""')}" x`);
    out += rows.map((r) => r.r).join('\n');
  }
  return out;
}

/** A secret, and the encodings under which it might hide in a dump. */
export function encodings(secret: string): string[] {
  const b = Buffer.from(secret, 'utf8');
  return [secret, encodeURIComponent(secret), b.toString('base64'), b.toString('base64url'), b.toString('hex')];
}
