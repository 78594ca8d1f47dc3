// Words and colours for the security log, and the event types worth suggesting in its filter.
// The filter also suggests every type seen in the loaded events, so a type missing here is
// still easy to pick.
import type { AppRouter } from '@jutsu/api/router';
import type { SECURITY_EVENT_SEVERITIES } from '@jutsu/shared';
import type { inferRouterOutputs } from '@trpc/server';

export type Severity = (typeof SECURITY_EVENT_SEVERITIES)[number];
export type SecurityEvent = inferRouterOutputs<AppRouter>['admin']['securityEvents']['list']['items'][number];

export const SEVERITY_LABEL: Record<Severity, string> = { info: 'Info', warning: 'Warning', critical: 'Critical' };
export const SEVERITY_COLOR: Record<Severity, string> = { info: 'gray', warning: 'orange', critical: 'red' };

export const KNOWN_EVENT_TYPES = [
  'access.forbidden',
  'auth.lockout',
  'auth.login',
  'auth.logout',
  'auth.new_device',
  'auth.not_me',
  'auth.password_changed',
  'auth.reauthenticated',
  'auth.refresh',
  'auth.refresh_reuse',
  'auth.second_factor',
  'auth.session_revoked',
  'auth.sessions_revoked',
  'invitation.accepted',
  'invitation.created',
  'invitation.inspected',
  'invitation.revoked',
  'passkey.added',
  'passkey.removed',
  'passkey.renamed',
  'rate_limit.hit',
  'token.invalid',
  'token.refused',
  'two_factor.backup_code_used',
  'two_factor.disabled',
  'two_factor.enabled',
  'user.created',
  'user.disabled',
  'user.enabled',
  'user.role_changed',
  'user.sessions_revoked',
  'user.two_factor_reset',
  'user.unlocked',
] as const;

type Plain = string | number | boolean;

function plainEntries(details: Record<string, unknown>): Array<[string, Plain]> {
  return Object.entries(details).filter((entry): entry is [string, Plain] => ['string', 'number', 'boolean'].includes(typeof entry[1]));
}

/**
 * An event's details as one short line, reason first ("reason: INVALID_CREDENTIALS · why: …").
 * Left out: the outcome (the row says "refused"), the tRPC code (the reason says more) and ids,
 * which are in `fullDetails` (the row's tooltip) for whoever needs to follow them.
 */
export function summariseDetails(details: Record<string, unknown>): string {
  return plainEntries(details)
    .filter(([key]) => key !== 'outcome' && key !== 'code' && !/Id$|^id$/.test(key))
    .sort(([a], [b]) => Number(b === 'reason') - Number(a === 'reason'))
    .map(([key, value]) => `${key}: ${String(value)}`)
    .join(' · ');
}

/** Every plain detail, one per line (for the tooltip). */
export function fullDetails(details: Record<string, unknown>): string {
  return plainEntries(details)
    .map(([key, value]) => `${key}: ${String(value)}`)
    .join('\n');
}
