// The admin security log: its filters as a database query, the owner rule for the export, and
// the export itself (CSV in words, same filters as the screen).
import type { Prisma, PrismaClient } from '@jutsu/db';
import {
  describeSecurityEventDetails,
  SECURITY_EVENT_GROUP_BY_PREFIX,
  SECURITY_EVENT_GROUP_LABEL,
  SECURITY_EVENT_WORDS,
  SECURITY_EVENTS_EXPORT_MAX,
  securityEventGroup,
  securityEventLabel,
  securityEventTypesOf,
  type SecurityEventGroup,
} from '@jutsu/shared';
import { csvRow } from '../dashboard/csv.ts';

export interface SecurityEventFilters {
  severity?: 'info' | 'warning' | 'critical' | undefined;
  type?: string | undefined;
  group?: SecurityEventGroup | undefined;
  userId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

function groupWhere(group: SecurityEventGroup): Prisma.SecurityEventWhereInput {
  const known = securityEventTypesOf(group);
  if (group !== 'other') {
    // A type with no words yet still belongs to its prefix's group (engine.* before it has words).
    const prefixes = prefixesOf(group);
    const unknown = prefixes.map((p) => ({ type: { startsWith: `${p}.` }, NOT: { type: { in: Object.keys(SECURITY_EVENT_WORDS) } } }));
    return { OR: [{ type: { in: known } }, ...unknown] };
  }
  // Other: its own known types, and every unknown type whose prefix names no group.
  const allKnown = Object.keys(SECURITY_EVENT_WORDS);
  const groupedPrefixes = Object.keys(SECURITY_EVENT_GROUP_BY_PREFIX);
  return {
    OR: [{ type: { in: known } }, { AND: [{ type: { notIn: allKnown } }, ...groupedPrefixes.map((p) => ({ NOT: { type: { startsWith: `${p}.` } } }))] }],
  };
}

/** The type prefixes that put an unknown type in this group (security-log-words.ts's rule). */
function prefixesOf(group: SecurityEventGroup): string[] {
  return Object.keys(SECURITY_EVENT_GROUP_BY_PREFIX).filter((p) => SECURITY_EVENT_GROUP_BY_PREFIX[p] === group);
}

export function securityEventWhere(input: SecurityEventFilters): Prisma.SecurityEventWhereInput {
  const and: Prisma.SecurityEventWhereInput[] = [];
  if (input.severity) and.push({ severity: input.severity });
  if (input.type) and.push({ type: input.type });
  if (input.group) and.push(groupWhere(input.group));
  if (input.userId) and.push({ userId: input.userId });
  if (input.from) and.push({ createdAt: { gte: new Date(input.from) } });
  if (input.to) and.push({ createdAt: { lt: new Date(input.to) } });
  return and.length === 0 ? {} : { AND: and };
}

/**
 * The owner: the oldest administrator that is not disabled. No role of its own, so a demoted or
 * disabled first admin hands it to the next oldest, and there is always exactly one while any
 * active administrator exists (the last-admin guard keeps one).
 */
export async function ownerId(prisma: PrismaClient): Promise<string | null> {
  const owner = await prisma.user.findFirst({ where: { role: 'admin', disabledAt: null }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { id: true } });
  return owner?.id ?? null;
}

const CSV_COLUMNS = ['time_utc', 'event', 'type', 'group', 'severity', 'outcome', 'user', 'ip_address', 'browser', 'details'];

export async function exportSecurityEvents(prisma: PrismaClient, input: SecurityEventFilters, now = new Date()) {
  const rows = await prisma.securityEvent.findMany({ where: securityEventWhere(input), orderBy: { id: 'desc' }, take: SECURITY_EVENTS_EXPORT_MAX + 1 });
  const kept = rows.slice(0, SECURITY_EVENTS_EXPORT_MAX);
  let csv = csvRow(CSV_COLUMNS);
  for (const e of kept) {
    const details = (e.details ?? {}) as Record<string, unknown>;
    const outcome = details.outcome === 'failure' ? 'refused' : details.outcome === 'success' ? 'done' : '';
    csv += csvRow([
      e.createdAt.toISOString(),
      securityEventLabel(e.type, details),
      e.type,
      SECURITY_EVENT_GROUP_LABEL[securityEventGroup(e.type)],
      e.severity,
      outcome,
      e.username,
      e.ip,
      e.userAgent,
      describeSecurityEventDetails(details),
    ]);
  }
  return {
    filename: `security-log-${now.toISOString().slice(0, 10)}.csv`,
    contentType: 'text/csv' as const,
    rowCount: kept.length,
    truncated: rows.length > SECURITY_EVENTS_EXPORT_MAX,
    csv,
  };
}
