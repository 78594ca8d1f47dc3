// No zod here: the SPA's login route imports the role names, and zod stays out of its bundle
// (the schema is in role-schema.ts).
export const ROLES = ['admin', 'trader', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** What each role may do; the server enforces it, the SPA only hides what a role cannot use. */
export const ROLE_RANK: Record<Role, number> = { viewer: 1, trader: 2, admin: 3 };
export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLE_RANK[have] >= ROLE_RANK[need];
}
