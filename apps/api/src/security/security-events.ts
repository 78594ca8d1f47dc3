// The tamper-evident security log. Each row's MAC covers its own content and the previous
// row's MAC, so editing, deleting or reordering any row breaks every link after it, and
// without SECRET_KEY nobody can write a chain that verifies. The head is published outside
// the table (log lines, alerts) so truncating the end is caught too.
import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { xactLock, type Prisma, type PrismaClient, type Severity } from '@jutsu/db';
import type { Logger } from '../logger.ts';
import { canonicalJson, cleanDetails, cleanText } from './canonical-json.ts';

export const GENESIS_HASH = '0'.repeat(64);

/** 1: SHA-256, unkeyed (rows written before the keyed chain). 2: HMAC-SHA256 under the chain key. */
export const HASH_VERSION = 2;
export const PRUNED_EVENT = 'security_log.pruned';
export const SUPPRESSED_EVENT = 'security_log.suppressed';
export const CHECKPOINT_MESSAGE = 'security log checkpoint';

export interface SecurityEventInput {
  type: string;
  severity?: Severity;
  userId?: string | null;
  username?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  details?: Record<string, unknown>;
}

export interface StoredSecurityEvent {
  id: bigint;
  createdAt: Date;
  type: string;
  severity: Severity;
  userId: string | null;
  username: string | null;
  ip: string | null;
  userAgent: string | null;
  details: unknown;
  prevHash: string;
  hashVersion: number;
  hash: string;
}

export interface Checkpoint {
  id: bigint;
  hash: string;
}

/** The chain key: its own HKDF label, so it is unrelated to every other use of SECRET_KEY. */
export function deriveChainKey(secretKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secretKey, 'utf8'), Buffer.alloc(0), 'jutsu:security-log-chain:v2', 32));
}

function fields(e: Omit<StoredSecurityEvent, 'hash' | 'hashVersion'>): unknown[] {
  return [e.id.toString(), e.createdAt.toISOString(), e.type, e.severity, e.userId, e.username, e.ip, e.userAgent, e.details ?? {}, e.prevHash];
}

/** Version 1, kept only to verify rows written before the chain was keyed. */
export function legacyHashEvent(e: Omit<StoredSecurityEvent, 'hash' | 'hashVersion'>): string {
  return createHash('sha256').update(e.prevHash).update(canonicalJson(fields(e))).digest('hex');
}

export function hashEvent(key: Buffer, e: Omit<StoredSecurityEvent, 'hash' | 'hashVersion'>): string {
  return createHmac('sha256', key)
    .update(canonicalJson([HASH_VERSION, ...fields(e)]))
    .digest('hex');
}

export interface VerifyProblem {
  id: bigint;
  kind: 'edited' | 'link' | 'downgrade' | 'pruned-range' | 'checkpoint';
  reason: string;
}

export interface VerifyResult {
  ok: boolean;
  /** Rows checked. */
  count: number;
  /** Of which written under the unkeyed version 1. */
  legacy: number;
  head: Checkpoint | null;
  /** Every problem found, in id order; the walk never stops at the first. */
  problems: VerifyProblem[];
  /** Facts worth knowing that are not problems (retention cuts, pruned checkpoints). */
  notes: string[];
}

export type SecurityEventListener = (event: StoredSecurityEvent) => void;

export interface SecurityEventsOptions {
  /** Defaults to the process configuration's SECRET_KEY (operator commands). */
  secretKey?: string;
  logger?: Logger;
  /** A checkpoint line is logged after this many appends by this process. */
  checkpointEvery?: number;
  /** Anonymous, non-critical rows per address per minute; beyond it they are counted into one row. */
  perAddressPerMinute?: number;
  /** info rows older than this are deleted by `prune()`. */
  retentionDays?: number;
  now?: () => Date;
}

interface AddressWindow {
  start: number;
  written: number;
  suppressed: number;
  types: Map<string, number>;
  userAgent: string | null;
}

interface PrunedRange {
  eventId: bigint;
  fromId: bigint;
  toId: bigint;
  kept: number;
  keptDigest: string;
  next: Checkpoint;
}

const MAX_FIELD = 512;
const clip = (s: string | null | undefined) => (s == null ? null : cleanText(s, MAX_FIELD));
const WINDOW_MS = 60_000;
const MAX_TRACKED_ADDRESSES = 10_000;
/** Queued events written per transaction, and at most held while the database is away. */
const FLUSH_BATCH = 100;
const MAX_QUEUED = 20_000;

interface QueuedEvent {
  input: SecurityEventInput;
  at: Date;
  /** A caller of record(), waiting for the stored row. */
  waiter?: { resolve: (e: StoredSecurityEvent) => void; reject: (err: unknown) => void };
}

export class SecurityEvents {
  private listeners = new Set<SecurityEventListener>();
  private keyCache: Buffer | undefined;
  private sinceCheckpoint = 0;
  private windows = new Map<string, AddressWindow>();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => Date;
  private queue: QueuedEvent[] = [];
  private draining: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private lostFromQueue = 0;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly opts: SecurityEventsOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  private async key(): Promise<Buffer> {
    if (!this.keyCache) {
      const secret = this.opts.secretKey ?? (await import('../config.ts')).loadConfig().SECRET_KEY;
      this.keyCache = deriveChainKey(secret);
    }
    return this.keyCache;
  }

  /** Called after every append (alerts, live security log). Listener errors are swallowed. */
  onEvent(listener: SecurityEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Appends one event, always, before resolving. Every append of this process goes through one
   * queue (recordSoon's too), so the chain holds them in the order they were raised, and
   * appends raised together share a transaction.
   */
  record(input: SecurityEventInput): Promise<StoredSecurityEvent> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, at: this.now(), waiter: { resolve, reject } });
      this.kick(true);
    });
  }

  /**
   * Appends an event the answer need not wait for (a request's successful, info-level audit
   * note): queued and written right after the current turn, in order, with whatever else was
   * raised meanwhile. The row keeps the time it was queued. A failed write stays queued and is
   * retried every second; `settled()` and `stop()` wait for the queue. See docs/architecture.md,
   * "The request path".
   */
  recordSoon(input: SecurityEventInput): void {
    if (this.queue.length >= MAX_QUEUED) {
      this.lostFromQueue++;
      if (this.lostFromQueue === 1) this.opts.logger?.error({ queued: this.queue.length }, 'security log queue full: events are being dropped');
      return;
    }
    this.queue.push({ input, at: this.now() });
    this.kick(false);
  }

  /**
   * Resolves once every event queued before the call is written, or its write failed (then
   * they stay queued and a retry is due in a second).
   */
  async settled(): Promise<void> {
    if (this.draining) await this.draining;
    if (this.queue.length === 0) return;
    this.kick(true);
    await this.draining;
  }

  /** Starts writing the queue: at once for a waiting caller, else after the current turn. */
  private kick(now: boolean): void {
    if (this.draining) return; // the running loop takes what was added
    if (this.retryTimer) {
      if (!now) return;
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
    }
    // After the current turn, a queued note lets the answer go out first and joins whatever
    // else that turn raised.
    const start = now ? Promise.resolve() : new Promise<void>((resolve) => setImmediate(resolve));
    this.draining = start
      .then(() => this.drain())
      .catch(() => false)
      .then((wrote) => {
        this.draining = undefined;
        // Raised after the loop saw an empty queue but before it ended: not left behind. After
        // a failure only a new waiter starts another try at once; notes wait for the retry.
        if (this.queue.some((q) => q.waiter) || (wrote && this.queue.length > 0)) this.kick(true);
      });
  }

  private async write(batch: QueuedEvent[]): Promise<StoredSecurityEvent[]> {
    const key = await this.key();
    return this.prisma.$transaction(async (tx) => {
      const out: StoredSecurityEvent[] = [];
      for (const q of batch) out.push(await this.append(tx, key, q.input, q.at));
      return out;
    });
  }

  private delivered(batch: QueuedEvent[], stored: StoredSecurityEvent[]): void {
    stored.forEach((e, i) => {
      this.afterAppend(e);
      batch[i]!.waiter?.resolve(e);
    });
  }

  /** Writes the queue, oldest first, until it is empty (true) or a write fails (false). */
  private async drain(): Promise<boolean> {
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, FLUSH_BATCH);
      try {
        const stored = await this.write(batch);
        // Only this loop removes from the front; record and recordSoon add at the back.
        this.queue.splice(0, batch.length);
        this.delivered(batch, stored);
      } catch (err) {
        // Callers waiting on the log hear the outcome now, as a direct write would tell them;
        // queued notes stay, in order, for the retry a second later. A note the database
        // refuses must not hold back a waiting caller (an alert's event): when the failed batch
        // held notes, the waiters get a transaction of their own first.
        const waiting = this.queue.filter((q) => q.waiter);
        this.queue = this.queue.filter((q) => !q.waiter);
        if (waiting.length > 0 && batch.some((q) => !q.waiter)) {
          await this.write(waiting).then(
            (stored) => this.delivered(waiting, stored),
            (alone: unknown) => waiting.forEach((q) => q.waiter!.reject(alone)),
          );
        } else waiting.forEach((q) => q.waiter!.reject(err));
        if (this.queue.length === 0) return false;
        this.opts.logger?.error({ err, queued: this.queue.length }, 'could not write queued security events; retrying');
        if (!this.stopping) {
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            this.kick(false);
          }, 1000);
          this.retryTimer.unref();
        }
        return false;
      }
    }
    return true;
  }

  /**
   * An event raised by a request. Anonymous, non-critical events count against their
   * address's budget for the minute; beyond it they are aggregated into one
   * `security_log.suppressed` row per address and window instead of one row each.
   * Returns undefined when the event was only counted, or `soon` queued it (recordSoon).
   */
  async recordFromRequest(input: SecurityEventInput, opts: { soon?: boolean } = {}): Promise<StoredSecurityEvent | undefined> {
    const write = async (e: SecurityEventInput): Promise<StoredSecurityEvent | undefined> => {
      if (!opts.soon) return this.record(e);
      this.recordSoon(e);
      return undefined;
    };
    const budget = this.opts.perAddressPerMinute;
    if (budget === undefined || !input.ip || input.userId || input.severity === 'critical') return write(input);
    const now = this.now().getTime();
    let w = this.windows.get(input.ip);
    if (w && now - w.start >= WINDOW_MS) {
      await this.flushWindow(input.ip, w);
      w = this.windows.get(input.ip); // a concurrent call may have opened the next window
    }
    if (!w) {
      if (this.windows.size >= MAX_TRACKED_ADDRESSES) await this.flushSuppressed(true);
      w = this.windows.get(input.ip) ?? { start: now, written: 0, suppressed: 0, types: new Map(), userAgent: null };
      this.windows.set(input.ip, w);
    }
    if (w.written < budget) {
      w.written++;
      return write(input);
    }
    w.suppressed++;
    w.userAgent = input.userAgent ?? w.userAgent;
    const type = cleanText(input.type, 128);
    if (w.types.has(type) || w.types.size < 32) w.types.set(type, (w.types.get(type) ?? 0) + 1);
    return undefined;
  }

  /** Writes the summary row of every finished window (all of them with `all`). */
  async flushSuppressed(all = false): Promise<void> {
    const now = this.now().getTime();
    for (const [ip, w] of [...this.windows]) {
      if (all || now - w.start >= WINDOW_MS) await this.flushWindow(ip, w);
    }
  }

  private async flushWindow(ip: string, w: AddressWindow): Promise<void> {
    this.windows.delete(ip);
    if (w.suppressed === 0) return;
    await this.record({
      type: SUPPRESSED_EVENT,
      severity: 'warning',
      ip,
      userAgent: w.userAgent,
      details: {
        suppressed: w.suppressed,
        byType: Object.fromEntries(w.types),
        windowStart: new Date(w.start).toISOString(),
        windowSeconds: WINDOW_MS / 1000,
        written: w.written,
      },
    });
  }

  private async append(tx: Prisma.TransactionClient, key: Buffer, input: SecurityEventInput, createdAt: Date): Promise<StoredSecurityEvent> {
    await xactLock(tx, 'security.chain');
    const last = await tx.securityEvent.findFirst({ orderBy: { id: 'desc' }, select: { hash: true } });
    // The name as it was when it happened: the log stays readable after a rename or deletion.
    const username =
      input.username ?? (input.userId ? (await tx.user.findUnique({ where: { id: input.userId }, select: { username: true } }))?.username : undefined);
    const [{ id }] = (await tx.$queryRawUnsafe(`SELECT nextval(pg_get_serial_sequence('security_events', 'id')) AS id`)) as [{ id: bigint }];
    const row = {
      id: BigInt(id),
      createdAt,
      type: cleanText(input.type, 128),
      severity: input.severity ?? 'info',
      userId: input.userId ?? null,
      username: clip(username),
      ip: clip(input.ip),
      userAgent: clip(input.userAgent),
      details: cleanDetails(input.details),
      prevHash: last?.hash ?? GENESIS_HASH,
    };
    const hash = hashEvent(key, row);
    await tx.securityEvent.create({ data: { ...row, details: row.details as object, hashVersion: HASH_VERSION, hash } });
    return { ...row, hashVersion: HASH_VERSION, hash };
  }

  private afterAppend(stored: StoredSecurityEvent): void {
    const every = this.opts.checkpointEvery;
    if (every !== undefined && ++this.sinceCheckpoint >= every) this.logCheckpoint({ id: stored.id, hash: stored.hash }, 'interval');
    for (const l of this.listeners) {
      try {
        l(stored);
      } catch {
        // a listener must never break the write path
      }
    }
  }

  /** The newest row: what a checkpoint records. */
  async head(): Promise<Checkpoint | null> {
    const last = await this.prisma.securityEvent.findFirst({ orderBy: { id: 'desc' }, select: { id: true, hash: true } });
    return last ? { id: last.id, hash: last.hash } : null;
  }

  private logCheckpoint(head: Checkpoint, why: string): void {
    this.sinceCheckpoint = 0;
    this.opts.logger?.info({ securityLogHead: formatCheckpoint(head), why }, CHECKPOINT_MESSAGE);
  }

  /** Logs the current head now (shutdown, after a retention run). */
  async checkpoint(why: string): Promise<Checkpoint | null> {
    const head = await this.head();
    if (head) this.logCheckpoint(head, why);
    return head;
  }

  /** Flushes suppressed-event summaries every minute and prunes old info rows daily. */
  start(): void {
    let minutes = 0;
    this.timer = setInterval(() => {
      void this.flushSuppressed().catch((err: unknown) => this.opts.logger?.error({ err }, 'could not write suppressed-event summary'));
      if (minutes++ % (24 * 60) === 0 && this.opts.retentionDays !== undefined) {
        void this.prune().catch((err: unknown) => this.opts.logger?.error({ err }, 'security log retention run failed'));
      }
    }, WINDOW_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    // Queued audit notes are written before the database goes: three tries, half a second apart.
    this.stopping = true;
    for (let i = 0; i < 3 && (this.queue.length > 0 || this.draining); i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 500));
      await this.settled();
    }
    if (this.queue.length > 0) {
      const types = [...new Set(this.queue.map((q) => q.input.type))].slice(0, 20);
      this.opts.logger?.error({ lost: this.queue.length, types }, 'queued security events could not be written before shutdown');
    }
    await this.flushSuppressed(true).catch((err: unknown) => this.opts.logger?.error({ err }, 'could not write suppressed-event summary'));
    await this.checkpoint('shutdown').catch((err: unknown) => this.opts.logger?.error({ err }, 'could not log the security log checkpoint'));
  }

  /**
   * Retention: deletes info rows older than `retentionDays` (warning and critical rows stay),
   * never the head and never the row an earlier run named as its first kept row. Then writes
   * a `security_log.pruned` event (warning, so kept) that commits to the cut: the id range,
   * a MAC over every (id, hash) still inside it, and the first row after it. `verify` accepts
   * the missing links inside that range only.
   */
  async prune(days = this.opts.retentionDays ?? 90): Promise<StoredSecurityEvent | undefined> {
    const key = await this.key();
    const cutoff = new Date(this.now().getTime() - days * 86_400_000);
    const stored = await this.prisma.$transaction(
      async (tx) => {
        await xactLock(tx, 'security.chain');
        const head = await tx.securityEvent.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
        if (!head) return undefined;
        const previous = await tx.securityEvent.findFirst({ where: { type: PRUNED_EVENT }, orderBy: { id: 'desc' } });
        const prevRange = previous ? trustedRange(key, previous) : undefined;
        if (previous && !prevRange) throw new Error(`security log event ${previous.id} (an earlier retention run) does not verify; run jutsu audit verify`);
        const fromId = prevRange?.toId ?? 0n;
        const deleted = await tx.securityEvent.findMany({
          where: {
            id: { gt: fromId, lt: head.id, ...(prevRange ? { not: prevRange.next.id } : {}) },
            severity: 'info',
            createdAt: { lt: cutoff },
            deliveries: { none: {} },
          },
          select: { id: true },
          orderBy: { id: 'asc' },
        });
        if (deleted.length === 0) return undefined;
        const toId = deleted[deleted.length - 1]!.id;
        for (let i = 0; i < deleted.length; i += 1000) {
          await tx.securityEvent.deleteMany({ where: { id: { in: deleted.slice(i, i + 1000).map((d) => d.id) } } });
        }
        const kept = await tx.securityEvent.findMany({ where: { id: { gt: fromId, lte: toId } }, select: { id: true, hash: true }, orderBy: { id: 'asc' } });
        const next = await tx.securityEvent.findFirstOrThrow({ where: { id: { gt: toId } }, orderBy: { id: 'asc' }, select: { id: true, hash: true } });
        return this.append(tx, key, {
          type: PRUNED_EVENT,
          severity: 'warning',
          details: {
            retentionDays: days,
            olderThan: cutoff.toISOString(),
            fromId: fromId.toString(),
            toId: toId.toString(),
            deleted: deleted.length,
            kept: kept.length,
            keptDigest: keptDigest(key, fromId, toId, kept),
            firstKeptAfter: { id: next.id.toString(), hash: next.hash },
          },
        }, this.now());
      },
      { timeout: 120_000 },
    );
    if (stored) {
      this.afterAppend(stored);
      this.logCheckpoint({ id: stored.id, hash: stored.hash }, 'retention');
      this.opts.logger?.info({ deleted: (stored.details as { deleted: number }).deleted, olderThan: cutoff.toISOString() }, 'security log retention run');
    }
    return stored;
  }

  /**
   * Walks the whole chain and reports every broken row. Each row is checked against its own
   * MAC and linked to the stored hash of the row before it (re-anchoring there), so one bad
   * row does not hide later tampering. `checkpoints` are heads published earlier: each must
   * still be in the chain with the same hash, or the log was truncated or rewritten.
   */
  async verify(opts: { checkpoints?: Checkpoint[]; batch?: number } = {}): Promise<VerifyResult> {
    const key = await this.key();
    const batch = opts.batch ?? 1000;
    const problems: VerifyProblem[] = [];
    const notes: string[] = [];
    const ranges: PrunedRange[] = [];
    for (const e of await this.prisma.securityEvent.findMany({ where: { type: PRUNED_EVENT }, orderBy: { id: 'asc' } })) {
      const r = trustedRange(key, e);
      if (r) ranges.push(r); // an untrusted one is reported by the walk
    }
    const digests = new Map(ranges.map((r) => [r, { hmac: startKeptDigest(key, r.fromId, r.toId), kept: 0, nextSeen: false }]));
    const wanted = new Map((opts.checkpoints ?? []).map((c) => [c.id, c.hash]));
    const seenCheckpoints = new Set<bigint>();
    let prev: Checkpoint | null = null;
    let keyed = false;
    let count = 0;
    let legacy = 0;
    let cursor: bigint | undefined;
    for (;;) {
      const rows = await this.prisma.securityEvent.findMany({
        where: cursor === undefined ? {} : { id: { gt: cursor } },
        orderBy: { id: 'asc' },
        take: batch,
      });
      if (rows.length === 0) break;
      for (const r of rows) {
        count++;
        cursor = r.id;
        const problem = (kind: VerifyProblem['kind'], reason: string) => problems.push({ id: r.id, kind, reason });
        let expected: string | undefined;
        if (r.hashVersion === HASH_VERSION) {
          keyed = true;
          expected = hashEvent(key, r);
        } else if (r.hashVersion === 1) {
          legacy++;
          if (keyed) problem('downgrade', 'unkeyed (version 1) row after the keyed chain began: written or rewritten without the key');
          else expected = legacyHashEvent(r);
        } else {
          problem('edited', `unknown hash version ${r.hashVersion}`);
        }
        if (expected !== undefined && expected !== r.hash) problem('edited', 'row content does not match its MAC (edited, or written without the key)');
        if (r.prevHash !== (prev?.hash ?? GENESIS_HASH)) {
          const after = prev?.id ?? 0n;
          const cut = ranges.find((g) => g.fromId <= after && after < g.toId && r.id <= g.next.id);
          if (!cut) problem('link', 'previous-hash link broken (a row before it was changed, removed or inserted)');
        }
        for (const g of ranges) {
          const d = digests.get(g)!;
          if (r.id > g.fromId && r.id <= g.toId) {
            d.hmac.update(`${r.id}:${r.hash};`);
            d.kept++;
          }
          if (r.id === g.next.id) {
            d.nextSeen = true;
            if (r.hash !== g.next.hash) problem('pruned-range', `not the row retention run #${g.eventId} named as first kept`);
          }
        }
        const cp = wanted.get(r.id);
        if (cp !== undefined) {
          seenCheckpoints.add(r.id);
          if (cp !== r.hash) problem('checkpoint', 'hash differs from the published checkpoint: the chain was rewritten');
        }
        prev = { id: r.id, hash: r.hash };
      }
    }
    for (const g of ranges) {
      const d = digests.get(g)!;
      const problem = (reason: string) => problems.push({ id: g.eventId, kind: 'pruned-range', reason });
      if (d.hmac.digest('hex') !== g.keptDigest || d.kept !== g.kept) problem(`rows ${g.fromId + 1n}–${g.toId} differ from what retention run #${g.eventId} kept (${d.kept} found, ${g.kept} kept)`);
      if (!d.nextSeen) problem(`row ${g.next.id}, named by retention run #${g.eventId} as first kept, is missing`);
      notes.push(`retention run #${g.eventId} removed info rows up to id ${g.toId}; the ${g.kept} rows kept there verify against it`);
    }
    for (const [id] of wanted) {
      if (seenCheckpoints.has(id)) continue;
      const cut = ranges.find((g) => g.fromId < id && id <= g.toId);
      if (cut) notes.push(`checkpoint ${id} was removed by retention run #${cut.eventId}`);
      else if (prev === null || id > prev.id) problems.push({ id, kind: 'checkpoint', reason: `checkpoint row is beyond the last row (${prev?.id ?? 'none'}): the log was truncated` });
      else problems.push({ id, kind: 'checkpoint', reason: 'checkpoint row is missing: the log was truncated or rewritten' });
    }
    if (legacy > 0) notes.push(`${legacy} rows were written before the chain was keyed (version 1): they are protected only by the keyed rows that follow them`);
    problems.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { ok: problems.length === 0, count, legacy, head: prev, problems, notes };
  }
}

export function formatCheckpoint(c: Checkpoint): string {
  return `${c.id}:${c.hash}`;
}

/** `<id>:<hash>` or a file's worth of log lines containing checkpoint records. */
export function parseCheckpoints(text: string): Checkpoint[] {
  const out: Checkpoint[] = [];
  for (const m of text.matchAll(/(?<![0-9a-f])(\d{1,19}):([0-9a-f]{64})(?![0-9a-f])/g)) out.push({ id: BigInt(m[1]!), hash: m[2]! });
  return out;
}

function startKeptDigest(key: Buffer, fromId: bigint, toId: bigint) {
  return createHmac('sha256', key).update(`jutsu:security-log-pruned:${fromId}:${toId};`);
}

function keptDigest(key: Buffer, fromId: bigint, toId: bigint, kept: Checkpoint[]): string {
  const h = startKeptDigest(key, fromId, toId);
  for (const k of kept) h.update(`${k.id}:${k.hash};`);
  return h.digest('hex');
}

/** A retention event's range, only if the event itself verifies under the key. */
function trustedRange(key: Buffer, e: StoredSecurityEvent): PrunedRange | undefined {
  if (e.hashVersion !== HASH_VERSION || hashEvent(key, e) !== e.hash) return undefined;
  const d = e.details as { fromId?: string; toId?: string; kept?: number; keptDigest?: string; firstKeptAfter?: { id?: string; hash?: string } };
  try {
    return {
      eventId: e.id,
      fromId: BigInt(d.fromId!),
      toId: BigInt(d.toId!),
      kept: Number(d.kept),
      keptDigest: String(d.keptDigest),
      next: { id: BigInt(d.firstKeptAfter!.id!), hash: String(d.firstKeptAfter!.hash) },
    };
  } catch {
    return undefined;
  }
}
