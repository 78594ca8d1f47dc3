// Who is signed in on this tab, as far as the screens need to know. The access token itself
// stays in token-store.ts; this holds what the screens show (user, why a session ended).
// Lives outside React so the WebSocket client and the refresh timer can change it too.
import { useSyncExternalStore } from 'react';
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@jutsu/api/router';

/** The user as the sign-in procedures return it (auth.login, auth.refresh, ...). */
export type SessionUser = inferRouterOutputs<AppRouter>['auth']['refresh']['user'];

/** A message for the login page: why this tab is no longer signed in. */
export interface SessionNotice {
  /** 'ended': by the server or elsewhere; 'signedOut': by this person here; 'problem': we could not tell. */
  kind: 'ended' | 'signedOut' | 'problem';
  /** Names the cause ("Signed out by an administrator"); a default per kind when absent. */
  title?: string;
  message: string;
}

export type SessionState =
  /** Page just loaded: asking the refresh cookie whether a session exists. */
  | { status: 'restoring' }
  | { status: 'signedOut'; notice: SessionNotice | null }
  | { status: 'signedIn'; user: SessionUser };

let state: SessionState = { status: 'restoring' };
const listeners = new Set<() => void>();

export function getSessionState(): SessionState {
  return state;
}

export function setSessionState(next: SessionState): void {
  if (next === state) return;
  state = next;
  for (const listener of [...listeners]) listener();
}

export function subscribeSessionState(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

export function useSessionState(): SessionState {
  return useSyncExternalStore(subscribeSessionState, getSessionState, getSessionState);
}

/** Forgets the login page's message (once the person starts a new sign-in). */
export function dismissSessionNotice(): void {
  if (state.status === 'signedOut' && state.notice) setSessionState({ status: 'signedOut', notice: null });
}
