// The life of this tab's session, outside React so the links, the WebSocket client and timers
// can drive it: restore at page load, accept a sign-in, refresh silently before the access
// token lapses, end it (signed out here, or revoked elsewhere).
import type { AppRouter } from '@jutsu/api/router';
import type { inferRouterOutputs } from '@trpc/server';
import { WS_CLOSE } from '@jutsu/shared';
import { httpStatusOf } from '../lib/api-errors.ts';
import { withRefreshLock } from './refresh-lock.ts';
import { endedNotice, endingOf, isKnownEnding } from './session-ended-messages.ts';
import { getSessionState, setSessionState, type SessionNotice } from './session-store.ts';
import { sessionClient } from './session-transport.ts';
import { getAccessToken, setAccessToken } from './token-store.ts';

/** A completed sign-in, as auth.login, auth.refresh (and the other sign-in completions) return it. */
export type SignedIn = Extract<inferRouterOutputs<AppRouter>['auth']['login'], { status: 'ok' }>;

const SILENT_REFRESH_LEAD_MS = 60_000;
const RETRY_AFTER_FAILED_REFRESH_MS = 30_000;
const MIN_TIMER_MS = 1_000;
/** A token this close to its end is treated as spent (the server's clock may run ahead). */
const TOKEN_SPENT_MARGIN_MS = 5_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let refreshInFlight: Promise<boolean> | null = null;
/** When this tab's access token lapses, on the local clock. */
let tokenDeadline = 0;
/** Bumped whenever the session ends, so an answer that arrives afterwards cannot revive it. */
let epoch = 0;
let signingOut = false;
let restoreStarted = false;

/** Takes over a completed sign-in: token in memory, user on screen, next refresh planned. */
export function acceptSignIn(result: SignedIn): void {
  setAccessToken(result.accessToken);
  setSessionState({ status: 'signedIn', user: result.user });
  planSilentRefresh(result.accessToken, result.accessTokenExpiresAt);
}

/** Page load: the token is gone with the old page, but the refresh cookie may hold a session. Once per page. */
export async function restoreSession(): Promise<void> {
  if (restoreStarted) return;
  restoreStarted = true;
  await refreshAccessToken();
}

/**
 * A new access token from the refresh cookie, one request per tab at a time (callers share it)
 * and one tab at a time (Web Lock). True when this tab is signed in afterwards.
 */
export function refreshAccessToken(): Promise<boolean> {
  refreshInFlight ??= refreshUnderLock().finally(() => {
    refreshInFlight = null;
  });
  return refreshInFlight;
}

async function refreshUnderLock(): Promise<boolean> {
  const startedIn = epoch;
  try {
    const result = await withRefreshLock(() => sessionClient.auth.refresh.mutate());
    if (startedIn !== epoch) return false;
    acceptSignIn(result);
    return true;
  } catch (error) {
    if (startedIn === epoch) handleFailedRefresh(error);
    return false;
  }
}

/** A 4xx other than 429 means the server refused the session itself; anything else may pass. */
function sessionRefused(error: unknown): boolean {
  const status = httpStatusOf(error);
  return status !== undefined && status >= 400 && status < 500 && status !== 429;
}

function handleFailedRefresh(error: unknown): void {
  const state = getSessionState();
  if (state.status === 'restoring') {
    // No cookie (or a dead one) is the normal signed-out case: nothing to say about it, unless
    // the server says why this browser's session ended (revoked while the page was closed).
    const ending = sessionRefused(error) ? endingOf(error) : undefined;
    const notice: SessionNotice | null = sessionRefused(error)
      ? isKnownEnding(ending) && ending !== 'logout'
        ? endedNotice(ending)
        : null
      : { kind: 'problem', message: 'Your session could not be restored because the server could not be reached. Try again in a moment.' };
    setSessionState({ status: 'signedOut', notice });
    return;
  }
  if (state.status !== 'signedIn') return;
  if (sessionRefused(error)) {
    endSession(endedNotice(endingOf(error)));
    return;
  }
  // Network trouble or a rate limit: keep the session and try again shortly.
  setRefreshTimer(RETRY_AFTER_FAILED_REFRESH_MS);
}

/** Leaves the signed-in state here: forgets the token and shows `notice` on the login page. */
export function endSession(notice: SessionNotice | null): void {
  epoch += 1;
  clearTimeout(refreshTimer);
  tokenDeadline = 0;
  setAccessToken(null);
  setSessionState({ status: 'signedOut', notice });
}

/** The server says this session is over (events.session 'revoked', socket closed with 4003). */
export function sessionRevoked(reason: string | undefined): void {
  // While signing out here the server revokes this very session: that is no news.
  if (signingOut || getSessionState().status !== 'signedIn') return;
  endSession(endedNotice(reason));
}

/**
 * A call or the socket was refused because this session ended, without saying why: the
 * refresh cookie's answer names the cause (endedBecause) and ends the session here with it.
 * When even that cannot be had (no answer at all), the generic notice is shown.
 */
export function sessionRefusedByServer(): void {
  if (signingOut || getSessionState().status !== 'signedIn') return;
  void refreshAccessToken().then((stillSignedIn) => {
    if (!stillSignedIn && getSessionState().status === 'signedIn') sessionRevoked(undefined);
  });
}

/** Called for every close of the WebSocket; acts on the API's own close codes. */
export function handleSocketClosed(code: number | undefined): void {
  if (code === WS_CLOSE.sessionRevoked) {
    sessionRefusedByServer();
  } else if (code === WS_CLOSE.tokenExpired && !signingOut && getSessionState().status === 'signedIn') {
    // The socket reconnects at once; accessTokenForSocket() waits for this refresh first.
    void refreshAccessToken();
  }
}

/**
 * The token to present when the WebSocket (re)connects: never one we know to be spent. The
 * server closes a socket at once (4001) when its token is expired, and the client reconnects
 * at once, so presenting a stale token would spin; instead the connection waits here (the
 * socket is open, its connection message not yet sent) until a refresh succeeds, retrying
 * with backoff, or the session ends.
 */
export async function accessTokenForSocket(): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    if (refreshInFlight) await refreshInFlight;
    if (getSessionState().status !== 'signedIn') return '';
    if (Date.now() < tokenDeadline - TOKEN_SPENT_MARGIN_MS) return getAccessToken() ?? '';
    if (await refreshAccessToken()) continue;
    await sleep(Math.min(1_000 * 2 ** attempt, RETRY_AFTER_FAILED_REFRESH_MS));
  }
}

/** Ends the session on the server (refresh family revoked, access token blacklisted), then here. */
export async function signOut(): Promise<void> {
  if (signingOut || getSessionState().status !== 'signedIn') return;
  signingOut = true;
  let notice: SessionNotice = { kind: 'signedOut', message: 'You have signed out.' };
  try {
    // Under the lock: another tab must not rotate the cookie while the server reads it.
    await withRefreshLock(() => sessionClient.auth.logout.mutate());
  } catch {
    notice = {
      kind: 'problem',
      message: 'You are signed out on this page, but the server could not be reached, so the session may still be open. Reload the page when the connection is back and sign out again.',
    };
  } finally {
    signingOut = false;
  }
  endSession(notice);
}

/** The password was changed on this session, which lifts a forced change. */
export function markPasswordChanged(): void {
  const state = getSessionState();
  if (state.status === 'signedIn' && state.user.mustChangePassword) {
    setSessionState({ status: 'signedIn', user: { ...state.user, mustChangePassword: false } });
  }
}

function planSilentRefresh(token: string, expiresAt: Date): void {
  const lifetimeMs = tokenLifetimeMs(token) ?? expiresAt.getTime() - Date.now();
  tokenDeadline = Date.now() + lifetimeMs;
  // About a minute early, but never most of a short-lived token's life.
  setRefreshTimer(lifetimeMs - Math.min(SILENT_REFRESH_LEAD_MS, lifetimeMs / 2));
}

function setRefreshTimer(ms: number): void {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => void refreshAccessToken(), Math.min(Math.max(ms, MIN_TIMER_MS), MAX_TIMER_MS));
}

/**
 * The token's lifetime from its own iat/exp. Both come from the server's clock, so a wrong
 * clock on this computer cannot make us refresh too late (or in a loop). Read for timing only:
 * the server verifies the token, the SPA never trusts its claims.
 */
function tokenLifetimeMs(token: string): number | undefined {
  try {
    const payload = token.split('.')[1];
    if (!payload) return undefined;
    const json: unknown = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
    if (typeof json !== 'object' || json === null || !('iat' in json) || !('exp' in json)) return undefined;
    const { iat, exp } = json;
    if (typeof iat !== 'number' || typeof exp !== 'number' || exp <= iat) return undefined;
    return (exp - iat) * 1000;
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
