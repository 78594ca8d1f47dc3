// How the admin screens and the invitation page name the roles. What a role may do is decided
// by the server (procedure meta); these words only explain it.
import { ROLES, type Role } from '@jutsu/shared';

export const ROLE_LABEL: Record<Role, string> = { admin: 'Admin', trader: 'Trader', viewer: 'Viewer' };

export const ROLE_DESCRIPTION: Record<Role, string> = {
  viewer: 'Sees the dashboard: positions, trades, performance and engine state. Changes nothing.',
  trader: 'Everything a viewer sees, plus running the trading engine and its settings.',
  admin: 'Full control: users, invitations, the security log and the Schwab connection.',
};

export const ROLE_COLOR: Record<Role, string> = { admin: 'grape', trader: 'blue', viewer: 'gray' };

/** Options for a role picker, most powerful last so the harmless choice comes first. */
export const ROLE_OPTIONS = [...ROLES].reverse().map((role) => ({ value: role, label: ROLE_LABEL[role] }));

export function isRole(value: string | null): value is Role {
  return value !== null && (ROLES as readonly string[]).includes(value);
}
