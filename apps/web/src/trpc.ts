// The typed tRPC client and how each kind of call reaches the API (docs/architecture.md §3):
//   subscriptions -> WebSocket at /api/ws (token sent in connectionParams)
//   auth.* and the other sign-in completions (isSessionProcedure) -> /api/auth, unbatched, with the refresh cookie (Path=/api/auth)
//   everything else -> /api/trpc, batched, bearer token only
// In front of all of them, a call refused for an expired access token is refreshed and retried once.
import { isSessionProcedure, MAX_BATCH_SIZE } from '@jutsu/shared';
import type { AppRouter } from '@jutsu/api/router';
import { createWSClient, httpBatchLink, splitLink, wsLink } from '@trpc/client';
import { createTRPCReact } from '@trpc/react-query';
import superjson from 'superjson';
import { expiredTokenLink } from './auth/expired-token-link.ts';
import { accessTokenForSocket, handleSocketClosed, refreshAccessToken, sessionRefusedByServer, sessionRevoked } from './auth/session.ts';
import { sessionRefusedLink } from './auth/session-refused-link.ts';
import { bearerHeader, sessionHttpLink } from './auth/session-transport.ts';
import { subscribeAccessToken } from './auth/token-store.ts';

export const trpc = createTRPCReact<AppRouter>();

export type ApiClient = ReturnType<typeof trpc.createClient>;

/** Same origin as the page, upgraded to wss: whenever the page itself is https:. */
export function webSocketUrl(location: Pick<Location, 'protocol' | 'host'> = window.location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/ws`;
}

export function createApiClient(): { client: ApiClient; dispose: () => void } {
  const wsClient = createWSClient({
    url: webSocketUrl,
    // Read at every (re)connect, so a reconnect always presents the current token; after the
    // server closed the socket because the token expired (4001), that waits for the refresh.
    connectionParams: async () => ({ token: await accessTokenForSocket() }),
    // 4001: token expired, refresh (then reconnect); 4003: session revoked, back to login.
    onClose: (cause) => handleSocketClosed(cause?.code),
    // Lazy: no socket until something subscribes (the sign-in screens need none); stay open
    // a little after the last subscription ends so moving between pages does not churn it.
    lazy: { enabled: true, closeMs: 10_000 },
    // The server pings every 30 s; our own pings notice a dead tunnel or proxy sooner and
    // let the client reconnect instead of showing a stale "live" state.
    keepAlive: { enabled: true, intervalMs: 15_000, pongTimeoutMs: 5_000 },
  });

  // The server authenticates a socket once, from connectionParams at connect time. When the
  // token changes (sign-in, refresh, sign-out), drop the open socket: the client reconnects
  // with the new token and re-sends its active subscriptions.
  const stopWatchingToken = subscribeAccessToken(() => {
    const connection = wsClient.connection;
    if (connection?.state === 'open') connection.ws.close();
  });

  const client = trpc.createClient({
    links: [
      // A call refused because the session is over ends it here, with the reason when known.
      sessionRefusedLink((refusal) => (refusal === 'ACCOUNT_DISABLED' ? sessionRevoked('account_disabled') : sessionRefusedByServer())),
      expiredTokenLink(refreshAccessToken),
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink({ client: wsClient, transformer: superjson }),
        false: splitLink({
          condition: (op) => isSessionProcedure(op.path),
          true: sessionHttpLink(),
          false: httpBatchLink({ url: '/api/trpc', transformer: superjson, headers: bearerHeader, maxURLLength: 2_000, maxItems: MAX_BATCH_SIZE }),
        }),
      }),
    ],
  });

  return {
    client,
    dispose: () => {
      stopWatchingToken();
      void wsClient.close();
    },
  };
}
