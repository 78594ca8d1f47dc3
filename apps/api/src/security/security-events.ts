// The tamper-evident security log. Each row's hash covers its own content and the previous
// row's hash, so editing, deleting or reordering any row breaks every link after it.
import { createHash } from 'node:crypto';
import type { PrismaClient, Severity } from '@jutsu/db';
import { canonicalJson } from './canonical-json.ts';

export const GENESIS_HASH = '0'.repeat(64);
/** Serialises appends so the chain never forks, across processes sharing one database. */
const CHAIN_LOCK_KEY = 72_707_369_002;

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
  hash: string;
}

export function hashEvent(e: Omit<StoredSecurityEvent, 'hash'>): string {
  const body = canonicalJson([
    e.id.toString(),
    e.createdAt.toISOString(),
    e.type,
    e.severity,
    e.userId,
    e.username,
    e.ip,
    e.userAgent,
    e.details ?? {},
    e.prevHash,
  ]);
  return createHash('sha256').update(e.prevHash).update(body).digest('hex');
}

export type VerifyResult =
  | { ok: true; count: number }
  | { ok: false; count: number; brokenAt: bigint; reason: string };

export type SecurityEventListener = (event: StoredSecurityEvent) => void;

const MAX_FIELD = 512;
const clip = (s: string | null | undefined) => (s == null ? null : s.slice(0, MAX_FIELD));

export class SecurityEvents {
  private listeners = new Set<SecurityEventListener>();

  constructor(private readonly prisma: PrismaClient) {}

  /** Called after every append (alerts, live security log). Listener errors are swallowed. */
  onEvent(listener: SecurityEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async record(input: SecurityEventInput): Promise<StoredSecurityEvent> {
    const stored = await this.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${CHAIN_LOCK_KEY})`);
      const last = await tx.securityEvent.findFirst({ orderBy: { id: 'desc' }, select: { hash: true } });
      // The name as it was when it happened: the log stays readable after a rename or deletion.
      const username =
        input.username ?? (input.userId ? (await tx.user.findUnique({ where: { id: input.userId }, select: { username: true } }))?.username : undefined);
      const [{ id }] = (await tx.$queryRawUnsafe(
        `SELECT nextval(pg_get_serial_sequence('security_events', 'id')) AS id`,
      )) as [{ id: bigint }];
      const row = {
        id: BigInt(id),
        createdAt: new Date(),
        type: input.type.slice(0, 128),
        severity: input.severity ?? 'info',
        userId: input.userId ?? null,
        username: clip(username),
        ip: clip(input.ip),
        userAgent: clip(input.userAgent),
        details: JSON.parse(canonicalJson(input.details ?? {})) as Record<string, unknown>,
        prevHash: last?.hash ?? GENESIS_HASH,
      };
      const hash = hashEvent(row);
      await tx.securityEvent.create({ data: { ...row, details: row.details as object, hash } });
      return { ...row, hash };
    });
    for (const l of this.listeners) {
      try {
        l(stored);
      } catch {
        // a listener must never break the write path
      }
    }
    return stored;
  }

  /** Walks the chain in id order; reports the first row whose link or content is wrong. */
  async verify(batch = 1000): Promise<VerifyResult> {
    let prevHash = GENESIS_HASH;
    let count = 0;
    let cursor: bigint | undefined;
    for (;;) {
      const rows = await this.prisma.securityEvent.findMany({
        where: cursor === undefined ? {} : { id: { gt: cursor } },
        orderBy: { id: 'asc' },
        take: batch,
      });
      if (rows.length === 0) return { ok: true, count };
      for (const r of rows) {
        if (r.prevHash !== prevHash) {
          return { ok: false, count, brokenAt: r.id, reason: 'previous-hash link broken (a row before it was changed, removed or inserted)' };
        }
        const expected = hashEvent({ ...r, details: r.details });
        if (expected !== r.hash) return { ok: false, count, brokenAt: r.id, reason: 'row content does not match its hash (the row was edited)' };
        prevHash = r.hash;
        count++;
        cursor = r.id;
      }
    }
  }
}
