// Every navigation entry, in one list. An entry without `roles` is public and shown to people
// who are signed out; an entry with `roles` belongs to the signed-in area and is shown only to
// those roles, in its group (Dashboard first, then Engine, Admin, Settings).
// (Hiding is a convenience: the server checks every procedure's role itself.)
import { ROLES, type Role } from '@jutsu/shared';

export type NavGroup = 'dashboard' | 'engine' | 'admin' | 'settings';

export interface NavItem {
  label: string;
  to: string;
  /** Roles that see this entry once signed in; omit for a public entry. */
  roles?: readonly Role[];
  /** Where a signed-in entry is listed; by default /admin/* is Admin and the rest Settings. */
  group?: NavGroup;
}

export const NAV_GROUPS: ReadonlyArray<{ id: NavGroup; label: string }> = [
  { id: 'dashboard', label: 'Dashboard' },
  { id: 'engine', label: 'Engine' },
  { id: 'admin', label: 'Admin' },
  { id: 'settings', label: 'Settings' },
];

export const NAV_ITEMS: readonly NavItem[] = [
  { label: 'Status', to: '/status' },
  { label: 'Overview', to: '/overview', roles: ROLES, group: 'dashboard' },
  { label: 'Positions', to: '/positions', roles: ROLES, group: 'dashboard' },
  { label: 'Trades', to: '/trades', roles: ROLES, group: 'dashboard' },
  { label: 'Performance', to: '/performance', roles: ROLES, group: 'dashboard' },
  { label: 'Engine', to: '/engine', roles: ROLES, group: 'engine' },
  { label: 'Orders', to: '/engine/orders', roles: ROLES, group: 'engine' },
  { label: 'Configuration', to: '/engine/configuration', roles: ROLES, group: 'engine' },
  { label: 'Schedules', to: '/engine/schedules', roles: ROLES, group: 'engine' },
  { label: 'Users', to: '/admin/users', roles: ['admin'] },
  { label: 'Invitations', to: '/admin/invitations', roles: ['admin'] },
  { label: 'Security log', to: '/admin/security-log', roles: ['admin'] },
  { label: 'Schwab', to: '/admin/schwab', roles: ['admin'] },
  { label: 'Settings', to: '/settings', roles: ROLES, group: 'settings' },
  { label: 'Server status', to: '/settings/status', roles: ROLES, group: 'settings' },
];

export function navGroupOf(item: NavItem): NavGroup {
  return item.group ?? (item.to.startsWith('/admin/') ? 'admin' : 'settings');
}

export function publicNavItems(items: readonly NavItem[] = NAV_ITEMS): NavItem[] {
  return items.filter((item) => item.roles === undefined);
}

export function signedInNavItems(role: Role | null, items: readonly NavItem[] = NAV_ITEMS): NavItem[] {
  if (role === null) return [];
  return items.filter((item) => item.roles?.includes(role) === true);
}

/** The signed-in entries for a role, by group, in group order; empty groups left out. */
export function groupedNavItems(role: Role | null, items: readonly NavItem[] = NAV_ITEMS): Array<{ id: NavGroup; label: string; items: NavItem[] }> {
  const mine = signedInNavItems(role, items);
  return NAV_GROUPS.map((group) => ({ ...group, items: mine.filter((item) => navGroupOf(item) === group.id) })).filter((group) => group.items.length > 0);
}
