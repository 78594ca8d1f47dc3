// A tRPC link that notices when any call is refused because this session is over (401 with
// SESSION_REVOKED or ACCOUNT_DISABLED: revoked elsewhere, or the account disabled) and ends it
// here, so the page says why instead of showing one failed panel after another. The error
// still reaches the caller. Subscriptions are watched by SessionWatcher.
import type { AppRouter } from '@jutsu/api/router';
import type { TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import { errorReasonOf, httpStatusOf } from '../lib/api-errors.ts';

export type SessionRefusal = 'SESSION_REVOKED' | 'ACCOUNT_DISABLED';

export function sessionRefusalOf(error: unknown): SessionRefusal | undefined {
  if (httpStatusOf(error) !== 401) return undefined;
  const reason = errorReasonOf(error);
  return reason === 'SESSION_REVOKED' || reason === 'ACCOUNT_DISABLED' ? reason : undefined;
}

export function sessionRefusedLink(onRefused: (refusal: SessionRefusal) => void): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        const sub = next(op).subscribe({
          next: (value) => observer.next(value),
          complete: () => observer.complete(),
          error: (error) => {
            const refusal = op.type === 'subscription' ? undefined : sessionRefusalOf(error);
            if (refusal) onRefused(refusal);
            observer.error(error);
          },
        });
        return () => sub.unsubscribe();
      });
}
