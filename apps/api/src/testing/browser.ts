// A browser as the API sees it in tests: its own cookie jar, an access token held in memory,
// and optional headers (an X-Forwarded-For through the trusted proxy gives it an address).
// Plus the two ways tests look at a refused call.
import { TRPCClientError, type TRPCClient } from '@trpc/client';
import type { AppRouter } from '../trpc/app-router.ts';
import { createClient, type Harness } from './harness.ts';

export const TEST_PASSWORD = 'lantern orbit cactus meadow';

/** The stable `reason` of a refused call (INVALID_CREDENTIALS, REAUTH_REQUIRED, …). */
export function reasonOf(err: unknown): string | undefined {
  return err instanceof TRPCClientError ? (err.data as { reason?: string } | undefined)?.reason : undefined;
}

/** The error of a call that must fail; a call that succeeds fails the test. */
export async function failure(p: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TRPCClientError) return err as TRPCClientError<AppRouter>;
    throw err;
  }
  throw new Error('expected the call to fail');
}

export class TestBrowser {
  readonly jar = new Map<string, string>();
  token: string | undefined;
  readonly client: TRPCClient<AppRouter>;
  readonly close: () => void;

  constructor(h: Harness, headers: Record<string, string> = {}) {
    const c = createClient<AppRouter>(h, { cookies: this.jar, token: () => this.token, headers });
    this.client = c.client;
    this.close = c.close;
  }

  /** auth.login as typed; keeps the access token when the sign-in is complete. */
  async login(username: string, password = TEST_PASSWORD) {
    const res = await this.client.auth.login.mutate({ username, password });
    if (res.status === 'ok') this.token = res.accessToken;
    return res;
  }

  /** A password sign-in that must complete (no second factor). */
  async signedIn(username: string, password = TEST_PASSWORD) {
    const res = await this.login(username, password);
    if (res.status !== 'ok') throw new Error('unexpected second factor');
    return res;
  }
}
