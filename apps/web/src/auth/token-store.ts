// The access token lives only in this module's memory (docs/architecture.md §6): never in localStorage or
// sessionStorage, where any injected script or browser extension could read it back later.
// A page reload forgets it; the sign-in flow gets a new one through the refresh cookie.
import { useSyncExternalStore } from 'react';

let accessToken: string | null = null;
const listeners = new Set<() => void>();

export function getAccessToken(): string | null {
  return accessToken;
}

/** Replaces the token (null = signed out) and tells every subscriber. */
export function setAccessToken(token: string | null): void {
  const next = token === '' ? null : token;
  if (next === accessToken) return;
  accessToken = next;
  for (const listener of [...listeners]) listener();
}

/** Calls `listener` after every change; returns the function that stops it. */
export function subscribeAccessToken(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** The current token, re-rendering when it changes. */
export function useAccessToken(): string | null {
  return useSyncExternalStore(subscribeAccessToken, getAccessToken, () => null);
}
