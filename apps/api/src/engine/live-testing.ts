// Test helpers for live orders: a database with a connected Schwab (the fake, over real HTTP),
// the live account synced, the engine in live mode, and order dependencies on that database.
import { randomUUID } from 'node:crypto';
import type { Database } from '@jutsu/db';
import type { LivePublish } from '@jutsu/shared';
import { createLogger } from '../logger.ts';
import type { Keyring } from '../security/keyring.ts';
import { SecurityEvents } from '../security/security-events.ts';
import type { FakeSchwab } from '../schwab/fake/server.ts';
import type { SchwabDeps } from '../schwab/settings.ts';
import { runSync } from '../schwab/sync.ts';
import { storeIssuedTokens, testDeps, TestClock } from '../schwab/testing.ts';
import { namedAdvisoryLock } from '../schwab/wiring.ts';
import type { ClientSource } from './schwab-broker.ts';
import { SchwabBroker } from './schwab-broker.ts';
import type { LiveOrderDeps } from './orders.ts';
import { ENGINE_MODE_KEY, ENGINE_STATE_KEY } from './state-store.ts';

export async function setEngine(db: Pick<Database, 'prisma'>, mode: 'paper' | 'live', state = 'running'): Promise<void> {
  const at = new Date().toISOString();
  for (const [key, value] of [
    [ENGINE_MODE_KEY, { mode, since: at, changedBy: 'test' }],
    [ENGINE_STATE_KEY, { state, since: at, reason: 'test', changedBy: 'test' }],
  ] as const) {
    await db.prisma.systemState.upsert({ where: { key }, create: { key, value }, update: { value } });
  }
}

export async function setConfig(db: Pick<Database, 'prisma'>, key: string, value: unknown): Promise<void> {
  await db.prisma.configOverride.upsert({ where: { key }, create: { key, value: value as object }, update: { value: value as object } });
}

/** Tokens stored as after a login, then one sync (accounts, positions): Schwab is connected. */
export async function connectSchwab(deps: SchwabDeps & { broker: ClientSource }, fake: FakeSchwab, opts: { sync?: boolean } = {}): Promise<string> {
  await storeIssuedTokens(deps, fake, new TestClock());
  const hash = fake.accountList()[0]!.hashValue;
  if (opts.sync === false) {
    // Only the account row (what live mode trades); no positions or bars.
    await deps.prisma.brokerageAccount.upsert({ where: { accountHash: hash }, create: { accountHash: hash, numberLast4: fake.accountList()[0]!.accountNumber.slice(-4) }, update: {} });
    return hash;
  }
  const res = await runSync(deps as Parameters<typeof runSync>[0], { kind: 'system', name: 'system:schwab.sync' });
  if (!res.ok) throw new Error(`sync failed: ${res.error}`);
  return hash;
}

export interface LiveTestDeps {
  schwab: ReturnType<typeof testDeps>;
  orders: LiveOrderDeps;
  published: LivePublish[];
}

export function liveTestDeps(db: Database, keyring: Keyring, fake: FakeSchwab, extra: Partial<LiveOrderDeps> = {}): LiveTestDeps {
  const schwab = testDeps({ db, keyring, fake, clock: new TestClock() });
  const published: LivePublish[] = [];
  const orders: LiveOrderDeps = {
    prisma: db.prisma,
    lock: namedAdvisoryLock(db.sql),
    liveBroker: () => SchwabBroker.forLiveAccount({ prisma: db.prisma, tokens: schwab.broker, options: { sleep: async () => undefined } }),
    events: new SecurityEvents(db.prisma),
    publish: async (e) => void published.push(e),
    logger: createLogger({ level: 'silent' }),
    pollIntervalMs: 20,
    ...extra,
  };
  return { schwab, orders, published };
}

export interface IntentSpec {
  symbol?: string;
  side?: 'BUY' | 'SELL';
  quantity?: string;
  orderType?: 'MARKET' | 'LIMIT';
  limitPrice?: string | null;
  intendedPrice: string;
  sentAt?: Date;
  status?: string;
}

export async function createIntent(db: Pick<Database, 'prisma'>, accountHash: string, spec: IntentSpec): Promise<string> {
  const id = randomUUID();
  await db.prisma.orderIntent.create({
    data: {
      id,
      source: 'engine',
      mode: 'live',
      accountHash,
      symbol: spec.symbol ?? 'AAPL',
      side: spec.side ?? 'BUY',
      quantity: spec.quantity ?? '3',
      orderType: spec.orderType ?? 'MARKET',
      limitPrice: spec.limitPrice ?? null,
      intendedPrice: spec.intendedPrice,
      ...(spec.status ? { status: spec.status } : {}),
      ...(spec.sentAt ? { sentAt: spec.sentAt } : {}),
    },
  });
  return id;
}
