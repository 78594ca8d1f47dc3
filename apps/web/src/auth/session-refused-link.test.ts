import type { AppRouter } from '@jutsu/api/router';
import { createTRPCClient, type TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import { describe, expect, it } from 'vitest';
import { networkError, refusal } from '../test-support/api-error.ts';
import { sessionRefusalOf, sessionRefusedLink, type SessionRefusal } from './session-refused-link.ts';

/** The network's stand-in: every call gets this one answer. */
function answering(error: unknown): TRPCLink<AppRouter> {
  return () => () =>
    observable((observer) => {
      observer.error(error as never);
      return () => {};
    });
}

async function callWith(error: unknown) {
  const seen: SessionRefusal[] = [];
  const client = createTRPCClient<AppRouter>({ links: [sessionRefusedLink((r) => seen.push(r)), answering(error)] });
  const outcome = await client.auth.me.query().then(
    () => 'ok',
    (e: unknown) => e,
  );
  return { seen, outcome };
}

describe('sessionRefusedLink', () => {
  it('reports a 401 SESSION_REVOKED or ACCOUNT_DISABLED and still fails the call', async () => {
    const revoked = refusal('SESSION_REVOKED', 401);
    expect(await callWith(revoked)).toEqual({ seen: ['SESSION_REVOKED'], outcome: revoked });
    expect((await callWith(refusal('ACCOUNT_DISABLED', 401))).seen).toEqual(['ACCOUNT_DISABLED']);
  });

  it('leaves every other refusal alone (a missing session to revoke is a 404, a disabled sign-in a 403)', async () => {
    for (const error of [refusal('SESSION_REVOKED', 404), refusal('ACCOUNT_DISABLED', 403), refusal('TOKEN_EXPIRED', 401), refusal('REAUTH_REQUIRED', 403), networkError()]) {
      expect((await callWith(error)).seen).toEqual([]);
    }
    expect(sessionRefusalOf(refusal('RATE_LIMITED', 429))).toBeUndefined();
  });
});
