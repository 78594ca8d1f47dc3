// What an admin can do to an account, and how each is explained before (confirmation) and
// after (outcome). Wording only: the server decides what is allowed (LAST_ADMIN, step-up).
import type { AppRouter } from '@jutsu/api/router';
import type { Role } from '@jutsu/shared';
import type { inferRouterOutputs } from '@trpc/server';
import { ROLE_LABEL, ROLE_DESCRIPTION } from '../roles.ts';

export type UserSummary = inferRouterOutputs<AppRouter>['admin']['users']['list'][number];

export type UserAction =
  | { kind: 'disable'; user: UserSummary }
  | { kind: 'enable'; user: UserSummary }
  | { kind: 'unlock'; user: UserSummary }
  | { kind: 'revokeSessions'; user: UserSummary }
  | { kind: 'resetTwoFactor'; user: UserSummary }
  | { kind: 'setRole'; user: UserSummary; role: Role };

export type ActionKind = UserAction['kind'];

/** The menu entry and the confirming button. */
export const ACTION_LABEL: Record<ActionKind, string> = {
  disable: 'Disable',
  enable: 'Enable',
  unlock: 'Unlock',
  revokeSessions: 'Sign out everywhere',
  resetTwoFactor: 'Reset two-factor',
  setRole: 'Change role',
};

/** Actions that take something away are confirmed in a dialog first. */
export function needsConfirmation(action: UserAction): boolean {
  return action.kind !== 'enable' && action.kind !== 'unlock';
}

/** Actions whose server procedure asks for a recent sign-in (recentAuthMinutes). */
export function needsRecentSignIn(kind: ActionKind): boolean {
  return kind === 'setRole' || kind === 'resetTwoFactor';
}

export function confirmationTitle(action: UserAction): string {
  const name = action.user.username;
  switch (action.kind) {
    case 'setRole':
      return `Make ${name} ${withArticle(action.role)}?`;
    case 'disable':
      return `Disable ${name}?`;
    case 'revokeSessions':
      return `Sign ${name} out everywhere?`;
    case 'resetTwoFactor':
      return `Reset two-factor sign-in of ${name}?`;
    case 'enable':
      return `Enable ${name}?`;
    case 'unlock':
      return `Unlock ${name}?`;
  }
}

export function confirmationText(action: UserAction, isSelf: boolean): string[] {
  const name = action.user.username;
  switch (action.kind) {
    case 'setRole': {
      const lines = [`${ROLE_LABEL[action.user.role]} → ${ROLE_LABEL[action.role]}. ${ROLE_DESCRIPTION[action.role]}`];
      if (action.user.role === 'admin') lines.push(`Invitations ${isSelf ? 'you' : name} created that are still pending will be revoked.`);
      if (action.role === 'admin') lines.push('Raising an account to admin is a critical security event: the owner is alerted.');
      if (isSelf && action.user.role === 'admin') lines.push('This is your own account: you lose access to the admin screens at once.');
      return lines;
    }
    case 'disable':
      return [
        `${name} is signed out on every device at once and cannot sign in until enabled again. Invitations ${name} created that are still pending are revoked.`,
        ...(isSelf ? ['This is your own account: you will be signed out now.'] : []),
      ];
    case 'revokeSessions':
      return [
        `Every session of ${name} ends at once, on every device. ${isSelf ? 'You' : 'They'} can sign in again with ${isSelf ? 'your' : 'their'} password and second factor.`,
        ...(isSelf ? ['This is your own account: this browser is signed out too.'] : []),
      ];
    case 'resetTwoFactor':
      return [
        `Removes the authenticator app and the backup codes of ${name}, and signs ${isSelf ? 'you' : 'them'} out everywhere. Passkeys stay. Use this when the authenticator is lost, after making sure it really is ${name} asking.`,
      ];
    case 'enable':
    case 'unlock':
      return [];
  }
}

function withArticle(role: Role): string {
  return role === 'admin' ? 'an admin' : `a ${ROLE_LABEL[role].toLowerCase()}`;
}

function sessions(n: number): string {
  return n === 1 ? '1 session' : `${n} sessions`;
}

/** What happened, from the procedure's answer. */
export function outcomeText(action: UserAction, result: unknown): string {
  const name = action.user.username;
  const count = (key: string): number => {
    if (typeof result === 'object' && result !== null && key in result) {
      const value: unknown = (result as Record<string, unknown>)[key];
      if (typeof value === 'number') return value;
    }
    return 0;
  };
  switch (action.kind) {
    case 'setRole':
      return `${name} is now ${withArticle(action.role)}.`;
    case 'disable':
      return `${name} is disabled; ${sessions(count('sessionsRevoked'))} ended.`;
    case 'enable':
      return `${name} is enabled and can sign in again.`;
    case 'unlock':
      return `${name} is unlocked and can sign in again.`;
    case 'revokeSessions':
      return `${name} was signed out of ${sessions(count('revoked'))}.`;
    case 'resetTwoFactor':
      return `Two-factor sign-in of ${name} was reset; ${sessions(count('sessionsRevoked'))} ended.`;
  }
}

/**
 * Why taking admin rights away from this account is not offered (it is the only active admin:
 * the server would refuse with LAST_ADMIN); null when it is allowed. The server checks again.
 */
export function lastAdminReason(user: UserSummary, users: readonly UserSummary[]): string | null {
  if (user.role !== 'admin' || user.disabledAt !== null) return null;
  const otherActiveAdmins = users.filter((u) => u.id !== user.id && u.role === 'admin' && u.disabledAt === null).length;
  return otherActiveAdmins === 0 ? 'The only active admin cannot be disabled or lose the admin role: make another account an admin first.' : null;
}
