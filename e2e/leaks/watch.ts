// Records the secrets a browser context sends and receives: passwords in request bodies,
// access tokens in responses and Authorization headers, the refresh cookie, TOTP secrets,
// backup codes and invitation links in responses. Reading the traffic rather than asking
// each spec to record what it typed means a new spec is covered without remembering to.
import type { BrowserContext, Request, Response } from '@playwright/test';
import { recordSecret, type SecretKind } from './ledger.ts';

const REFRESH_COOKIE = '__Secure-jutsu_refresh';

/** JSON keys whose string value is a secret of that kind. */
const RESPONSE_KEYS: Record<string, SecretKind> = {
  accessToken: 'access token',
  refreshToken: 'refresh token',
  secret: 'TOTP secret',
  backupCodes: 'backup code',
};

function walk(value: unknown, visit: (key: string, v: unknown) => void, key = ''): void {
  if (Array.isArray(value)) for (const v of value) walk(v, visit, key);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, visit, k);
  else visit(key, value);
}

function fromRequest(req: Request): void {
  const auth = req.headers()['authorization'];
  if (auth?.startsWith('Bearer ')) recordSecret('access token', auth.slice(7));
  if (req.method() !== 'POST' || !new URL(req.url()).pathname.startsWith('/api/')) return;
  let body: unknown;
  try {
    body = req.postDataJSON();
  } catch {
    return;
  }
  walk(body, (key, v) => {
    if (typeof v === 'string' && /password/i.test(key)) recordSecret('password', v);
  });
}

async function fromResponse(res: Response): Promise<void> {
  if (!new URL(res.url()).pathname.startsWith('/api/')) return;
  for (const { name, value } of await res.headersArray()) {
    if (name.toLowerCase() !== 'set-cookie') continue;
    const m = new RegExp(`^${REFRESH_COOKIE}=([^;]+)`).exec(value);
    if (m?.[1]) recordSecret('refresh token', m[1]);
  }
  if (!(res.headers()['content-type'] ?? '').includes('json')) return;
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    return; // a body the page closed before it was read, or not JSON after all
  }
  walk(body, (key, v) => {
    if (typeof v !== 'string') return;
    const kind = RESPONSE_KEYS[key];
    if (kind) recordSecret(kind, v);
    const invite = /\/invite\/([A-Za-z0-9_-]{16,})$/.exec(v);
    if (key === 'url' && invite?.[1]) recordSecret('invitation token', invite[1]);
  });
}

const watched = new WeakSet<BrowserContext>();
const pending = new WeakMap<BrowserContext, Set<Promise<void>>>();

export function watchContext(context: BrowserContext): void {
  if (watched.has(context)) return;
  watched.add(context);
  const inFlight = new Set<Promise<void>>();
  pending.set(context, inFlight);
  context.on('request', fromRequest);
  context.on('response', (res) => {
    const p = fromResponse(res).catch(() => undefined);
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  });
}

/** Waits for the responses still being read (before the context closes). */
export async function settle(context: BrowserContext): Promise<void> {
  await Promise.all([...(pending.get(context) ?? [])]);
}
