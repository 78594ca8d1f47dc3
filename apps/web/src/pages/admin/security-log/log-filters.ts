// The security log's filters live in the URL (?group=second_factor&severity=warning&from=…),
// so a filtered view can be bookmarked, shared and survives a reload. Dates are the reader's
// local calendar days ("to" inclusive); the API gets the instants they start and end at.
// Anything the API would refuse is dropped here rather than sent.
import { securityEventFilterFields, SECURITY_EVENT_GROUPS, type SecurityEventGroup, type SecurityEventsExportInput } from '@jutsu/shared';
import type { Severity } from './events.ts';

export interface LogFilters {
  group?: SecurityEventGroup;
  severity?: Severity;
  user?: string;
  type?: string;
  /** YYYY-MM-DD, local day, inclusive. */
  from?: string;
  /** YYYY-MM-DD, local day, inclusive. */
  to?: string;
}

export const LOG_FILTER_KEYS = ['group', 'severity', 'user', 'type', 'from', 'to'] as const;

const DAY = /^(19|20|21)\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** The local midnight starting `day`, or null when it is no calendar date. */
function localMidnight(day: string): Date | null {
  if (!DAY.test(day)) return null;
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const at = new Date(y, m - 1, d);
  return at.getFullYear() === y && at.getMonth() === m - 1 && at.getDate() === d ? at : null;
}

export function isLogDay(value: string): boolean {
  return localMidnight(value) !== null;
}

export function parseLogFilters(params: URLSearchParams): LogFilters {
  const out: LogFilters = {};
  const get = (key: string) => params.get(key)?.trim() || undefined;
  const group = get('group');
  if (group && (SECURITY_EVENT_GROUPS as readonly string[]).includes(group)) out.group = group as SecurityEventGroup;
  const severity = get('severity');
  if (severity && securityEventFilterFields.severity.safeParse(severity).success) out.severity = severity as Severity;
  const user = get('user');
  if (user && securityEventFilterFields.userId.safeParse(user).success) out.user = user;
  const type = get('type');
  if (type && securityEventFilterFields.type.safeParse(type).success) out.type = type;
  const from = get('from');
  if (from && isLogDay(from)) out.from = from;
  const to = get('to');
  if (to && isLogDay(to)) out.to = to;
  // A reversed range would be refused by the API: keep only `from`.
  if (out.from && out.to && out.from > out.to) delete out.to;
  return out;
}

export function logFiltersToParams(filters: LogFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of LOG_FILTER_KEYS) {
    const value = filters[key];
    if (value) params.set(key, value);
  }
  return params;
}

export function hasLogFilters(filters: LogFilters): boolean {
  return LOG_FILTER_KEYS.some((key) => Boolean(filters[key]));
}

/** What the API is asked for: the same filters, days turned into [start of from, end of to). */
export function logFiltersToInput(filters: LogFilters): SecurityEventsExportInput {
  const input: SecurityEventsExportInput = {};
  if (filters.group) input.group = filters.group;
  if (filters.severity) input.severity = filters.severity;
  if (filters.user) input.userId = filters.user;
  if (filters.type) input.type = filters.type;
  const from = filters.from ? localMidnight(filters.from) : null;
  if (from) input.from = from.toISOString();
  const to = filters.to ? localMidnight(filters.to) : null;
  if (to) input.to = new Date(to.getFullYear(), to.getMonth(), to.getDate() + 1).toISOString();
  return input;
}
