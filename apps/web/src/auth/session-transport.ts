// How session calls travel (docs/architecture.md §3): POST to /api/auth, one procedure per request, with
// the refresh cookie (Path=/api/auth). Shared by the app's client and the session client below.
import type { AppRouter } from '@jutsu/api/router';
import { createTRPCClient, httpLink, type HTTPHeaders } from '@trpc/client';
import superjson from 'superjson';
import { getAccessToken } from './token-store.ts';

export function bearerHeader(): HTTPHeaders {
  const token = getAccessToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** The refresh cookie is scoped to /api/auth; only this link lets the browser send cookies. */
const fetchWithSameOriginCookies: typeof fetch = (input, init) => fetch(input, { ...init, credentials: 'same-origin' });

export function sessionHttpLink() {
  return httpLink<AppRouter>({ url: '/api/auth', transformer: superjson, headers: bearerHeader, fetch: fetchWithSameOriginCookies });
}

/**
 * A plain client for the calls the session machinery makes on its own (refresh, logout).
 * Separate from the React client so the app's links can ask for a refresh without a cycle,
 * and so a refresh is never itself retried by the expired-token link.
 */
export const sessionClient = createTRPCClient<AppRouter>({ links: [sessionHttpLink()] });
