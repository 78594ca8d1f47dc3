// A tRPC link that survives an access token lapsing mid-use (a laptop waking up, a timer
// throttled in a background tab): a call refused with TOKEN_EXPIRED triggers one refresh and
// is sent once more with the new token. Repeating a mutation is safe here because the server
// refuses an expired token in its auth middleware, before the procedure runs.
import type { AppRouter } from '@jutsu/api/router';
import type { TRPCLink } from '@trpc/client';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import { errorReasonOf } from '../lib/api-errors.ts';

export function expiredTokenLink(refresh: () => Promise<boolean>): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        let current: Unsubscribable | undefined;
        let stopped = false;

        const send = (isRetry: boolean) => {
          current = next(op).subscribe({
            next: (value) => observer.next(value),
            complete: () => observer.complete(),
            error: (error) => {
              // Subscriptions re-authenticate when the socket reconnects (see trpc.ts).
              if (isRetry || op.type === 'subscription' || errorReasonOf(error) !== 'TOKEN_EXPIRED') {
                observer.error(error);
                return;
              }
              void refresh().then((refreshed) => {
                if (stopped) return;
                if (refreshed) send(true);
                else observer.error(error);
              });
            },
          });
        };

        send(false);
        return () => {
          stopped = true;
          current?.unsubscribe();
        };
      });
}
