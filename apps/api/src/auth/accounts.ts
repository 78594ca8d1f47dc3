// Creating accounts (first admin, CLI, invitations) under the one password policy.
import { loadPasswordPolicy, usernameSchema, type Role } from '@jutsu/shared';
import type { PrismaClient, User } from '@jutsu/db';
import { appError } from '../trpc/errors.ts';
import { hashPassword } from './passwords.ts';

export class AccountError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join(' '));
    this.name = 'AccountError';
  }
}

export async function createAccount(
  prisma: PrismaClient,
  input: { username: string; password: string; role: Role; email?: string | null },
): Promise<User> {
  const name = usernameSchema.safeParse(input.username);
  if (!name.success) throw new AccountError(name.error.issues.map((i) => i.message));
  const verdict = (await loadPasswordPolicy())({ password: input.password, username: name.data, hasSecondFactor: false });
  if (!verdict.ok) throw new AccountError(verdict.problems);
  const passwordHash = await hashPassword(input.password);
  try {
    return await prisma.user.create({
      data: { username: name.data, passwordHash, role: input.role, email: input.email ?? null, passwordChangedAt: new Date() },
    });
  } catch (err) {
    if ((err as { code?: string }).code === 'P2002') throw new AccountError(['That username (or email) is already taken.']);
    throw err;
  }
}

/** The policy's verdict as a typed client error. */
export function weakPasswordError(problems: string[]) {
  return appError('BAD_REQUEST', 'WEAK_PASSWORD', problems.join(' '), { problems });
}

export function publicUser(u: Pick<User, 'id' | 'username' | 'role' | 'email' | 'totpEnabledAt' | 'mustChangePassword'>) {
  return {
    id: u.id,
    username: u.username,
    role: u.role,
    email: u.email,
    twoFactorEnabled: u.totpEnabledAt !== null,
    mustChangePassword: u.mustChangePassword,
  };
}
export type PublicUser = ReturnType<typeof publicUser>;
