import { describe, expect, it } from 'vitest';
import { AccessTokens, TokenError } from './access-token.ts';

const SECRET = 'a test secret that is long enough to derive keys from';
const input = { userId: '00000000-0000-4000-8000-000000000001', sessionId: '00000000-0000-4000-8000-000000000002', role: 'viewer' as const };

async function failure(p: Promise<unknown>): Promise<TokenError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TokenError) return err;
    throw err;
  }
  throw new Error('expected a TokenError');
}

describe('access token verification', () => {
  it('a remembered token is still held to its expiry, with the same 5 s tolerance as the first check', async () => {
    let now = 1_800_000_000;
    const tokens = new AccessTokens(SECRET, 900, () => now);
    const { token, claims } = await tokens.issue(input);
    expect((await tokens.verify(token)).jti).toBe(claims.jti);
    now = claims.exp + 4;
    expect((await tokens.verify(token)).sub).toBe(input.userId);
    now = claims.exp + 5;
    expect((await failure(tokens.verify(token))).kind).toBe('expired');
    // A fresh instance (nothing remembered) reaches the same verdict through jose.
    expect((await failure(new AccessTokens(SECRET, 900, () => now).verify(token))).kind).toBe('expired');
  });

  it('a token altered after its genuine twin was verified is refused', async () => {
    const tokens = new AccessTokens(SECRET, 900);
    const { token } = await tokens.issue(input);
    await tokens.verify(token);
    const [head, body, sig] = token.split('.') as [string, string, string];
    const forgedBody = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), role: 'admin' })).toString('base64url');
    expect((await failure(tokens.verify(`${head}.${forgedBody}.${sig}`))).kind).toBe('invalid');
    const flipped = sig.startsWith('A') ? `B${sig.slice(1)}` : `A${sig.slice(1)}`;
    expect((await failure(tokens.verify(`${head}.${body}.${flipped}`))).kind).toBe('invalid');
  });

  it('a token signed under another key is refused, and the answer is a copy the caller cannot poison', async () => {
    const ours = new AccessTokens(SECRET, 900);
    const theirs = new AccessTokens(`${SECRET} but another`, 900);
    const { token } = await theirs.issue(input);
    expect((await failure(ours.verify(token))).kind).toBe('invalid');
    const { token: mine } = await ours.issue(input);
    const first = await ours.verify(mine);
    first.role = 'admin';
    expect((await ours.verify(mine)).role).toBe('viewer');
  });
});
