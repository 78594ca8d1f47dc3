import type { AppRouter } from '@jutsu/api/router';
import { createTRPCClient, type Operation, type TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import { describe, expect, it } from 'vitest';
import { refusal } from '../test-support/api-error.ts';
import { expiredTokenLink } from './expired-token-link.ts';

type Answer = 'expired' | 'forbidden' | 'ok';

/** The end of the link chain, standing in for the network: answers each call from a script. */
function scriptedServer(answers: Answer[]) {
  const calls: Operation[] = [];
  const link: TRPCLink<AppRouter> = () => ({ op }) =>
    observable((observer) => {
      calls.push(op);
      const answer = answers.shift() ?? 'ok';
      if (answer === 'ok') {
        observer.next({ result: { type: 'data', data: { answeredCall: calls.length } } });
        observer.complete();
      } else if (answer === 'expired') {
        observer.error(refusal('TOKEN_EXPIRED', 401, 'The access token expired.'));
      } else {
        observer.error(refusal('REAUTH_REQUIRED', 403, 'Confirm it is you.'));
      }
      return () => {};
    });
  return { calls, link };
}

function counter(result: boolean | Promise<boolean>) {
  const refresh = Object.assign(async () => {
    refresh.count += 1;
    return result;
  }, { count: 0 });
  return refresh;
}

function clientWith(refresh: () => Promise<boolean>, server: ReturnType<typeof scriptedServer>) {
  return createTRPCClient<AppRouter>({ links: [expiredTokenLink(refresh), server.link] });
}

describe('expiredTokenLink', () => {
  it('refreshes once and sends the call again when the token expired', async () => {
    const server = scriptedServer(['expired', 'ok']);
    const refresh = counter(true);
    await expect(clientWith(refresh, server).system.info.query()).resolves.toEqual({ answeredCall: 2 });
    expect(refresh.count).toBe(1);
    expect(server.calls.map((op) => op.path)).toEqual(['system.info', 'system.info']);
  });

  it('does the same for a mutation (the server refused it before it ran)', async () => {
    const server = scriptedServer(['expired', 'ok']);
    const refresh = counter(true);
    await clientWith(refresh, server).auth.logout.mutate();
    expect(server.calls).toHaveLength(2);
  });

  it('gives up with the original refusal when the refresh fails', async () => {
    const server = scriptedServer(['expired', 'ok']);
    const refresh = counter(false);
    await expect(clientWith(refresh, server).system.info.query()).rejects.toMatchObject({ data: { reason: 'TOKEN_EXPIRED' } });
    expect(server.calls).toHaveLength(1);
  });

  it('retries only once: a second expiry is reported, not looped on', async () => {
    const server = scriptedServer(['expired', 'expired', 'ok']);
    const refresh = counter(true);
    await expect(clientWith(refresh, server).system.info.query()).rejects.toMatchObject({ data: { reason: 'TOKEN_EXPIRED' } });
    expect(refresh.count).toBe(1);
    expect(server.calls).toHaveLength(2);
  });

  it('passes any other refusal through without refreshing', async () => {
    const server = scriptedServer(['forbidden']);
    const refresh = counter(true);
    await expect(clientWith(refresh, server).system.info.query()).rejects.toMatchObject({ data: { reason: 'REAUTH_REQUIRED' } });
    expect(refresh.count).toBe(0);
    expect(server.calls).toHaveLength(1);
  });

  it('does not send a call again once its caller has gone', async () => {
    const server = scriptedServer(['expired', 'ok']);
    let finishRefresh: (ok: boolean) => void = () => {};
    const refresh = counter(new Promise<boolean>((resolve) => (finishRefresh = resolve)));
    // The link on its own, so the caller can unsubscribe while the refresh is under way.
    const op: Operation = { id: 1, type: 'query', path: 'system.info', input: undefined, context: {}, signal: null };
    const seen: string[] = [];
    const subscription = expiredTokenLink(refresh)({} as never)({ op, next: (o) => server.link({} as never)({ op: o, next: () => observable(() => {}) }) }).subscribe({
      next: () => seen.push('next'),
      error: () => seen.push('error'),
    });
    await expect.poll(() => refresh.count).toBe(1);
    subscription.unsubscribe();
    finishRefresh(true);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(server.calls).toHaveLength(1);
    expect(seen).toEqual([]);
  });

  it('leaves subscriptions to the socket, which re-authenticates on reconnect', async () => {
    const server = scriptedServer(['expired']);
    const refresh = counter(true);
    const failed = new Promise<unknown>((resolve) => {
      clientWith(refresh, server).system.heartbeat.subscribe(undefined, { onError: resolve });
    });
    await expect(failed).resolves.toMatchObject({ data: { reason: 'TOKEN_EXPIRED' } });
    expect(refresh.count).toBe(0);
    expect(server.calls).toHaveLength(1);
  });
});
