// TOTP rules with explicit times: the window, replay detection, secrets and URIs.
import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import { matchTotp, newTotpSecret, normaliseCodeInput, otpauthUri, TOTP_PERIOD_SECONDS } from './totp.ts';

const secret = newTotpSecret();
const now = Date.UTC(2026, 0, 17, 12, 0, 10); // 10 s into a step
const step = Math.floor(now / 1000 / TOTP_PERIOD_SECONDS);
const codeAt = (s: number) => generate({ secret, epoch: s * TOTP_PERIOD_SECONDS });

describe('TOTP', () => {
  it('makes 160-bit base32 secrets, never the same twice', () => {
    expect(secret).toMatch(/^[A-Z2-7]{32}$/); // 32 × 5 = 160 bits
    expect(newTotpSecret()).not.toBe(secret);
  });

  it('builds an otpauth URI with issuer "Jutsu Labs" and the username as account', () => {
    const uri = new URL(otpauthUri(secret, 'alice'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Jutsu Labs:alice');
    expect(uri.searchParams.get('issuer')).toBe('Jutsu Labs');
    expect(uri.searchParams.get('secret')).toBe(secret);
  });

  it('accepts the current step and one either side, refuses two away', async () => {
    for (const d of [-1, 0, 1]) expect(await matchTotp(secret, await codeAt(step + d), null, now)).toEqual({ kind: 'ok', step: step + d });
    for (const d of [-3, -2, 2, 3]) {
      const code = await codeAt(step + d);
      // (a code can repeat by chance across steps; then it is not a test of the window)
      const inWindow = await Promise.all([-1, 0, 1].map((x) => codeAt(step + x)));
      if (!inWindow.includes(code)) expect(await matchTotp(secret, code, null, now)).toEqual({ kind: 'invalid' });
    }
  });

  it('reports a code of the last accepted step, or an earlier one, as replayed', async () => {
    expect(await matchTotp(secret, await codeAt(step), step, now)).toEqual({ kind: 'replayed', step });
    expect(await matchTotp(secret, await codeAt(step - 1), step, now)).toEqual({ kind: 'replayed', step: step - 1 });
    expect(await matchTotp(secret, await codeAt(step + 1), step, now)).toEqual({ kind: 'ok', step: step + 1 });
    // A stored step beyond the window (clock moved back) refuses everything, without throwing.
    expect((await matchTotp(secret, await codeAt(step + 1), step + 5, now)).kind).toBe('replayed');
  });

  it('refuses malformed codes and a wrong secret', async () => {
    for (const bad of ['', '12345', '1234567', 'abcdef', '12 34 56']) expect(await matchTotp(secret, bad, null, now)).toEqual({ kind: 'invalid' });
    const other = newTotpSecret();
    const code = await codeAt(step);
    if (code !== (await generate({ secret: other, epoch: step * TOTP_PERIOD_SECONDS }))) {
      expect(await matchTotp(other, code, null, now)).toEqual({ kind: 'invalid' });
    }
  });

  it('normalises typed codes: spaces, dashes, full-width digits', () => {
    expect(normaliseCodeInput(' 123 456 ')).toBe('123456');
    expect(normaliseCodeInput('123-456')).toBe('123456');
    expect(normaliseCodeInput('１２３４５６')).toBe('123456');
    expect(normaliseCodeInput('abcde-fghij')).toBe('ABCDEFGHIJ');
  });
});
