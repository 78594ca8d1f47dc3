// Helpers for the two-factor tests: browser-like clients, codes computed with otplib for
// explicit time steps, enrolment through the real procedures.
import { generate } from 'otplib';
import { createAccount } from '../auth/accounts.ts';
import { TEST_PASSWORD, TestBrowser } from '../testing/browser.ts';
import type { Harness } from '../testing/harness.ts';
import { TOTP_PERIOD_SECONDS } from './totp.ts';

export { failure, reasonOf } from '../testing/browser.ts';
export const PASSWORD = TEST_PASSWORD;

let seq = 0;
let address = 0;
const open: { close(): void }[] = [];

/** Closes every browser's WebSocket (call before closing the harness). */
export function closeBrowsers(): void {
  for (const b of open.splice(0)) b.close();
}

export async function newUser(h: Harness, prefix = 'tf') {
  const username = `${prefix}${++seq}x${Date.now() % 100_000}`;
  const user = await createAccount(h.services.prisma, { username, password: PASSWORD, role: 'trader' });
  return { username, user };
}

/** A browser with its own (trusted-proxy) address that can answer the second factor. */
class TwoFactorBrowser extends TestBrowser {
  /** Password, then the second factor. */
  async signIn(username: string, code: string) {
    const first = await this.client.auth.login.mutate({ username, password: PASSWORD });
    if (first.status !== 'second_factor_required') throw new Error('expected a second-factor challenge');
    const res = await this.client.auth.verifySecondFactor.mutate({ challengeToken: first.challengeToken, code });
    this.token = res.accessToken;
    return res;
  }
}

export function browser(h: Harness): TwoFactorBrowser {
  const b = new TwoFactorBrowser(h, { 'x-forwarded-for': `198.18.${Math.floor(++address / 250)}.${(address % 250) + 1}` });
  open.push(b);
  return b;
}
export type Browser = TwoFactorBrowser;

export const stepNow = () => Math.floor(Date.now() / 1000 / TOTP_PERIOD_SECONDS);

/** The code of `secret` for time step `step` (otplib, as an authenticator app would). */
export function codeAt(secret: string, step: number): Promise<string> {
  return generate({ secret, epoch: step * TOTP_PERIOD_SECONDS });
}

/** Waits, if needed, so at least `seconds` remain in the current step: step arithmetic stays exact. */
export async function settleInStep(seconds = 6): Promise<void> {
  const left = TOTP_PERIOD_SECONDS - ((Date.now() / 1000) % TOTP_PERIOD_SECONDS);
  if (left < seconds) await new Promise((r) => setTimeout(r, left * 1000 + 250));
}

/** Signs a new user in and turns two-factor sign-in on; the code used is of step `enableStep`. */
export async function enrol(h: Harness, opts: { enableStep?: number } = {}) {
  const { username, user } = await newUser(h);
  const b = browser(h);
  await b.login(username);
  const setup = await b.client.twoFactor.setup.mutate();
  const enabled = await b.client.twoFactor.enable.mutate({ code: await codeAt(setup.secret, opts.enableStep ?? stepNow()) });
  return { username, user, b, secret: setup.secret, setup, backupCodes: enabled.backupCodes };
}
