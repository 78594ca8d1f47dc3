// Every navigation entry, in one list. An entry without `roles` is public and always shown;
// an entry with `roles` belongs to the signed-in area and is shown only to those roles.
// (Hiding is a convenience: the server checks every procedure's role itself.)
import { ROLES, type Role } from '@jutsu/shared';

export interface NavItem {
  label: string;
  to: string;
  /** Roles that see this entry once signed in; omit for a public entry. */
  roles?: readonly Role[];
}

export const NAV_ITEMS: readonly NavItem[] = [
  { label: 'Status', to: '/status' },
  // Signed-in screens, e.g. { label: 'Dashboard', to: '/dashboard', roles: ['viewer', 'trader', 'admin'] }.
  { label: 'Settings', to: '/settings', roles: ROLES },
  { label: 'Users', to: '/admin/users', roles: ['admin'] },
  { label: 'Invitations', to: '/admin/invitations', roles: ['admin'] },
  { label: 'Security log', to: '/admin/security-log', roles: ['admin'] },
];

export function publicNavItems(items: readonly NavItem[] = NAV_ITEMS): NavItem[] {
  return items.filter((item) => item.roles === undefined);
}

export function signedInNavItems(role: Role | null, items: readonly NavItem[] = NAV_ITEMS): NavItem[] {
  if (role === null) return [];
  return items.filter((item) => item.roles?.includes(role) === true);
}
