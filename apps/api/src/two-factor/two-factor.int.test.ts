// Two-factor sign-in over real HTTP with a real database, real argon2id and AES-GCM, codes
// computed with otplib for explicit time steps, alerts received by a real SMTP server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../testing/harness.ts';
import { startSmtp, type TestSmtp } from '../testing/smtp.ts';
import { keyIdOf } from '../security/keyring.ts';
import type { AnonymousActor } from '../security/actor.ts';
import { consumeBackupCode, normaliseBackupCode } from './backup-codes.ts';
import { useSecondFactorCode } from './second-factor.ts';
import { browser, closeBrowsers, codeAt, enrol, failure, newUser, PASSWORD, reasonOf, settleInStep, stepNow } from './testing.ts';

const BASE32_SECRET = /^[A-Z2-7]{16,}=*$/;

describe('two-factor sign-in', () => {
  let h: Harness;
  let smtp: TestSmtp;
  /** Everything secret used here: none may reach a log line. */
  const secrets: string[] = [PASSWORD];
  const totpCodes = new Set<string>();
  const remember = async (secret: string, step: number) => {
    const code = await codeAt(secret, step);
    totpCodes.add(code);
    return code;
  };
  const keep = (e: Awaited<ReturnType<typeof enrol>>) => {
    secrets.push(e.secret, ...e.backupCodes, ...e.backupCodes.map((c) => c.replace('-', '')));
    return e;
  };
  /** A 6-digit code that no step near now produces for this secret. */
  const wrongCode = async (secret: string) => {
    const near = await Promise.all([-2, -1, 0, 1, 2].map((d) => codeAt(secret, stepNow() + d)));
    for (let n = 100_000; ; n += 7919) if (!near.includes(String(n))) return String(n);
  };

  beforeAll(async () => {
    smtp = await startSmtp();
    h = await startHarness({
      TRUSTED_PROXIES: 'loopback',
      LOGIN_RATE_LIMIT: '1000',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      SECURITY_ALERT_EMAIL: 'owner@jutsu.test',
    });
  });
  afterAll(async () => {
    closeBrowsers();
    if (h) {
      h.expectLogsFreeOf(secrets);
      // 6 digits can occur by chance inside ids, so codes are looked for as whole tokens.
      const all = h.logs.join('');
      for (const code of totpCodes) expect(new RegExp(`(?<![0-9A-Za-z])${code}(?![0-9A-Za-z])`).test(all), `a log line contains code ${code}`).toBe(false);
      expect((await h.services.securityEvents.verify()).ok).toBe(true);
    }
    await h?.close();
    await smtp?.close();
  });

  it('enrols: setup needs a recent sign-in and replaces its pending secret; secrets and codes are stored only encrypted and hashed', async () => {
    const { username, user } = await newUser(h);
    const b = browser(h);
    await b.login(username);
    const { prisma, keyring } = h.services;

    await prisma.session.updateMany({ where: { userId: user.id }, data: { authTime: new Date(Date.now() - 11 * 60_000) } });
    expect(reasonOf(await failure(b.client.twoFactor.setup.mutate()))).toBe('REAUTH_REQUIRED');
    await b.client.auth.reauthenticate.mutate({ password: PASSWORD });

    const first = await b.client.twoFactor.setup.mutate();
    const second = await b.client.twoFactor.setup.mutate();
    secrets.push(first.secret, second.secret);
    expect(second.secret).not.toBe(first.secret);
    expect(second.secret).toMatch(/^[A-Z2-7]{32}$/); // 160 bits
    const uri = new URL(second.otpauthUri);
    expect(decodeURIComponent(uri.pathname)).toBe(`/Jutsu Labs:${username}`);
    expect(uri.searchParams.get('issuer')).toBe('Jutsu Labs');
    expect(second.qrDataUrl).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
    expect(await b.client.twoFactor.status.query()).toMatchObject({ enabled: false, setupPending: true, backupCodesRemaining: 0 });

    const pending = await prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(pending.totpSecret).toBeNull();
    expect(pending.totpPendingSecret).not.toMatch(BASE32_SECRET);
    expect(pending.totpPendingSecret).not.toContain(second.secret);
    expect(keyIdOf(pending.totpPendingSecret!)).toBe('t1');

    // The replaced secret's codes do not enable anything.
    const s = stepNow();
    const stale = await remember(first.secret, s);
    if (stale !== (await codeAt(second.secret, s))) {
      const err = await failure(b.client.twoFactor.enable.mutate({ code: stale }));
      expect(reasonOf(err)).toBe('CODE_INVALID');
    }
    const { backupCodes } = await b.client.twoFactor.enable.mutate({ code: await remember(second.secret, s) });
    secrets.push(...backupCodes, ...backupCodes.map(normaliseBackupCode));
    expect(backupCodes).toHaveLength(10);
    for (const c of backupCodes) expect(c).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);

    const stored = await prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(stored.totpEnabledAt).not.toBeNull();
    expect(stored.totpPendingSecret).toBeNull();
    expect(stored.totpSecret).not.toMatch(BASE32_SECRET);
    expect(stored.totpSecret).not.toContain(second.secret);
    expect(keyring.decrypt(stored.totpSecret!, { column: 'users.totp_secret', rowId: user.id })).toBe(second.secret);
    const rows = await prisma.backupCode.findMany({ where: { userId: user.id } });
    expect(rows).toHaveLength(10);
    for (const r of rows) {
      expect(r.codeHash.startsWith('$argon2id$')).toBe(true);
      for (const c of backupCodes) {
        expect(r.codeHash).not.toContain(c);
        expect(r.codeHash).not.toContain(normaliseBackupCode(c));
      }
    }
    // No stored TOTP secret anywhere looks like base32.
    const raw = await h.db.sql.query<{ totp_secret: string }>('SELECT totp_secret FROM users WHERE totp_secret IS NOT NULL');
    for (const r of raw) expect(r.totp_secret).not.toMatch(BASE32_SECRET);

    expect(await b.client.twoFactor.status.query()).toMatchObject({ enabled: true, backupCodesRemaining: 10, lastUsedMethod: 'totp', setupPending: false });
    expect(reasonOf(await failure(b.client.twoFactor.setup.mutate()))).toBe('TWO_FACTOR_ALREADY_ENABLED');
    const login = await browser(h).client.auth.login.mutate({ username, password: PASSWORD });
    expect(login).toMatchObject({ status: 'second_factor_required', methods: ['totp', 'backup_code'] });
    const enabledEvents = await prisma.securityEvent.findMany({ where: { type: 'two_factor.enabled', userId: user.id }, orderBy: { id: 'asc' } });
    expect(enabledEvents.map((ev) => [(ev.details as { outcome: string }).outcome, ev.severity])).toEqual(
      stale === (await codeAt(second.secret, s)) ? [['success', 'warning']] : [['failure', 'warning'], ['success', 'warning']],
    );
    b.close();
  });

  it('accepts a TOTP code once: the same code is refused the next time, and the replay is recorded', async () => {
    await settleInStep(12);
    const s = stepNow();
    const e = keep(await enrol(h, { enableStep: s - 1 }));
    const code = await remember(e.secret, s);
    const first = browser(h);
    const signedIn = await first.signIn(e.username, code);
    expect(signedIn).toMatchObject({ status: 'ok', secondFactor: 'totp', backupCodesRemaining: 10 });
    expect((await first.client.auth.me.query()).username).toBe(e.username);
    const session = await h.services.prisma.session.findFirstOrThrow({ where: { userId: e.user.id }, orderBy: { createdAt: 'desc' } });
    expect(session.amr).toEqual(['pwd', 'otp']);

    const again = browser(h);
    const login = await again.client.auth.login.mutate({ username: e.username, password: PASSWORD });
    if (login.status !== 'second_factor_required') throw new Error('expected a challenge');
    for (const replay of [code, await codeAt(e.secret, s - 1)]) {
      const err = await failure(again.client.auth.verifySecondFactor.mutate({ challengeToken: login.challengeToken, code: replay }));
      expect(reasonOf(err)).toBe('CODE_REPLAYED');
    }
    expect(await h.services.prisma.securityEvent.count({ where: { type: 'two_factor.code_replayed', userId: e.user.id } })).toBe(2);
    // A later step still works on the same challenge.
    const next = await again.client.auth.verifySecondFactor.mutate({ challengeToken: login.challengeToken, code: await remember(e.secret, s + 1) });
    expect(next.status).toBe('ok');
    for (const c of [e.b, first, again]) c.close();
  });

  it('lets exactly one of two simultaneous requests with the same TOTP code through', async () => {
    await settleInStep();
    const s = stepNow();
    const e = keep(await enrol(h, { enableStep: s - 1 }));

    // Two tabs finishing the same sign-in with the same code.
    const one = browser(h);
    const two = browser(h);
    const login = await one.client.auth.login.mutate({ username: e.username, password: PASSWORD });
    if (login.status !== 'second_factor_required') throw new Error('expected a challenge');
    const code = await remember(e.secret, s);
    const raced = await Promise.allSettled([
      one.client.auth.verifySecondFactor.mutate({ challengeToken: login.challengeToken, code }),
      two.client.auth.verifySecondFactor.mutate({ challengeToken: login.challengeToken, code }),
    ]);
    expect(raced.filter((r) => r.status === 'fulfilled')).toHaveLength(1);

    // Two requests of one session, no challenge involved: only the step claim decides.
    const twin = browser(h);
    twin.token = e.b.token;
    const next = await remember(e.secret, s + 1);
    const both = await Promise.allSettled([
      e.b.client.twoFactor.regenerateBackupCodes.mutate({ code: next }),
      twin.client.twoFactor.regenerateBackupCodes.mutate({ code: next }),
    ]);
    expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = both.find((r) => r.status === 'rejected')!;
    expect(reasonOf(refused.reason)).toBe('CODE_REPLAYED');
    for (const r of both) if (r.status === 'fulfilled') secrets.push(...r.value.backupCodes);

    // The worst interleaving: both requests read the account before either claims the step.
    const f = keep(await enrol(h, { enableStep: s }));
    const stale = await h.services.prisma.user.findUniqueOrThrow({ where: { id: f.user.id } });
    const actor: AnonymousActor = { kind: 'anonymous', ip: '127.0.0.1', userAgent: undefined };
    const fCode = await remember(f.secret, s + 1);
    const uses = await Promise.all([
      useSecondFactorCode(h.services, actor, { user: stale, code: fCode }),
      useSecondFactorCode(h.services, actor, { user: stale, code: fCode }),
    ]);
    expect(uses.filter((u) => u.ok)).toHaveLength(1);
    expect(uses.find((u) => !u.ok)).toMatchObject({ why: 'replayed' });
    for (const c of [e.b, f.b, one, two, twin]) c.close();
  });

  it('refuses codes two steps away and accepts one step away', async () => {
    await settleInStep(12);
    const s = stepNow();
    const e = keep(await enrol(h, { enableStep: s }));
    const b = browser(h);
    const login = await b.client.auth.login.mutate({ username: e.username, password: PASSWORD });
    if (login.status !== 'second_factor_required') throw new Error('expected a challenge');
    const window = await Promise.all([s - 1, s, s + 1].map((x) => codeAt(e.secret, x)));
    for (const far of [s - 2, s + 2]) {
      const code = await remember(e.secret, far);
      if (window.includes(code)) continue; // the same digits in a nearby step: not a test of the window
      const err = await failure(b.client.auth.verifySecondFactor.mutate({ challengeToken: login.challengeToken, code }));
      expect(reasonOf(err)).toBe('CODE_INVALID');
    }
    const ok = await b.client.auth.verifySecondFactor.mutate({ challengeToken: login.challengeToken, code: await remember(e.secret, s + 1) });
    expect(ok.status).toBe('ok');
    e.b.close();
    b.close();
  });

  it('accepts a backup code once, however it is typed, and warns when two or fewer remain', async () => {
    const e = keep(await enrol(h));
    const { prisma } = h.services;
    const [first, ...rest] = e.backupCodes as [string, ...string[]];
    const b = browser(h);
    const res = await b.signIn(e.username, ` ${first.toLowerCase().replace('-', ' ')} `);
    expect(res).toMatchObject({ status: 'ok', secondFactor: 'backup_code', backupCodesRemaining: 9 });
    const session = await prisma.session.findFirstOrThrow({ where: { userId: e.user.id }, orderBy: { createdAt: 'desc' } });
    expect(session.amr).toEqual(['pwd', 'backup']);
    expect(await prisma.securityEvent.count({ where: { type: 'two_factor.backup_code_used', userId: e.user.id } })).toBe(1);

    // Used once, it is gone.
    const err = await failure(browser(h).signIn(e.username, first));
    expect(reasonOf(err)).toBe('CODE_INVALID');

    // Down to three, then one more through the sign-in.
    for (const c of rest.slice(0, 6)) expect((await consumeBackupCode(prisma, e.user.id, c)).ok).toBe(true);
    const low = await browser(h).signIn(e.username, rest[6]!);
    expect(low.backupCodesRemaining).toBe(2);
    const warning = await prisma.securityEvent.findFirstOrThrow({ where: { type: 'two_factor.backup_codes_low', userId: e.user.id } });
    expect(warning.severity).toBe('critical');
    expect(warning.details).toMatchObject({ remaining: 2 });
    const mail = await smtp.waitFor(/two_factor\.backup_codes_low/);
    for (const c of e.backupCodes) expect(mail.raw).not.toContain(c);
    expect(await b.client.twoFactor.status.query()).toMatchObject({ enabled: true, backupCodesRemaining: 2, lastUsedMethod: 'backup_code' });

    // With none left, sign-in offers TOTP only.
    for (const c of rest.slice(7)) expect((await consumeBackupCode(prisma, e.user.id, c)).ok).toBe(true);
    expect(await browser(h).client.auth.login.mutate({ username: e.username, password: PASSWORD })).toMatchObject({ methods: ['totp'] });
    e.b.close();
    b.close();
  });

  it('lets exactly one of two simultaneous uses of one backup code succeed; regenerating kills the old codes', async () => {
    const e = keep(await enrol(h));
    const { prisma } = h.services;
    const [a, b, c] = e.backupCodes as [string, string, string];
    const raced = await Promise.all([consumeBackupCode(prisma, e.user.id, a), consumeBackupCode(prisma, e.user.id, a)]);
    expect(raced.filter((r) => r.ok)).toHaveLength(1);

    const twin = browser(h);
    twin.token = e.b.token;
    const both = await Promise.allSettled([
      e.b.client.twoFactor.regenerateBackupCodes.mutate({ code: b }),
      twin.client.twoFactor.regenerateBackupCodes.mutate({ code: b }),
    ]);
    const won = both.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const fresh = (won[0] as PromiseFulfilledResult<{ backupCodes: string[] }>).value.backupCodes;
    secrets.push(...fresh);
    expect(fresh).toHaveLength(10);
    expect(fresh.some((x) => e.backupCodes.includes(x))).toBe(false);
    expect(await prisma.backupCode.count({ where: { userId: e.user.id } })).toBe(10);
    const regenerated = await prisma.securityEvent.findMany({ where: { type: 'two_factor.backup_codes_regenerated', userId: e.user.id } });
    expect(regenerated.filter((ev) => (ev.details as { outcome: string }).outcome === 'success').map((ev) => ev.severity)).toEqual(['warning']);

    expect(reasonOf(await failure(browser(h).signIn(e.username, c)))).toBe('CODE_INVALID');
    expect((await browser(h).signIn(e.username, fresh[0]!)).status).toBe('ok');
    e.b.close();
    twin.close();
  });

  it('disables only with both the password and a code; a wrong one changes nothing', async () => {
    await settleInStep();
    const s = stepNow();
    const e = keep(await enrol(h, { enableStep: s - 1 }));
    const { prisma } = h.services;
    const other = browser(h);
    await other.signIn(e.username, await remember(e.secret, s));
    const snapshot = async () => ({
      user: await prisma.user.findUniqueOrThrow({
        where: { id: e.user.id },
        select: { totpSecret: true, totpEnabledAt: true, totpLastStep: true, mustChangePassword: true },
      }),
      codes: await prisma.backupCode.findMany({ where: { userId: e.user.id }, orderBy: { id: 'asc' } }),
      sessions: await prisma.session.count({ where: { userId: e.user.id, revokedAt: null } }),
    });
    const before = await snapshot();
    const next = await remember(e.secret, s + 1);

    const attempts = [
      { password: 'not the password at all', code: next, reason: 'INVALID_CREDENTIALS' },
      { password: 'not the password at all', code: e.backupCodes[0]!, reason: 'INVALID_CREDENTIALS' },
      { password: PASSWORD, code: await wrongCode(e.secret), reason: 'CODE_INVALID' },
      { password: PASSWORD, code: 'ZZZZZ-ZZZZZ', reason: 'CODE_INVALID' },
    ];
    for (const a of attempts) {
      const err = await failure(e.b.client.twoFactor.disable.mutate({ password: a.password, code: a.code }));
      expect(reasonOf(err)).toBe(a.reason);
      expect(await snapshot()).toEqual(before);
    }
    expect((await other.client.auth.me.query()).username).toBe(e.username);

    const done = await e.b.client.twoFactor.disable.mutate({ password: PASSWORD, code: next });
    expect(done).toEqual({ enabled: false, otherSessionsRevoked: 1, mustChangePassword: false });
    const after = await snapshot();
    expect(after.user).toMatchObject({ totpSecret: null, totpEnabledAt: null, totpLastStep: null });
    expect(after.codes).toHaveLength(0);
    expect(reasonOf(await failure(other.client.auth.me.query()))).toBe('SESSION_REVOKED');
    expect((await e.b.client.auth.me.query()).twoFactorEnabled).toBe(false);
    const event = await prisma.securityEvent.findFirstOrThrow({ where: { type: 'two_factor.disabled', userId: e.user.id }, orderBy: { id: 'desc' } });
    expect(event.severity).toBe('critical');
    expect(event.details).toMatchObject({ outcome: 'success', otherSessionsRevoked: 1 });
    await smtp.waitFor(new RegExp(`two_factor\\.disabled[\\s\\S]*${e.username}`));
    expect((await browser(h).login(e.username)).status).toBe('ok');
    e.b.close();
    other.close();
  });

  it('kills the challenge after five wrong codes (a sixth try fails even when right); wrong codes count toward the account throttle', async () => {
    await settleInStep();
    const s = stepNow();
    const e = keep(await enrol(h, { enableStep: s }));
    const { prisma } = h.services;
    const b = browser(h);
    const login = await b.client.auth.login.mutate({ username: e.username, password: PASSWORD });
    if (login.status !== 'second_factor_required') throw new Error('expected a challenge');
    const wrong = await wrongCode(e.secret);
    const left: number[] = [];
    for (let i = 0; i < 5; i++) {
      const err = await failure(b.client.auth.verifySecondFactor.mutate({ challengeToken: login.challengeToken, code: i % 2 ? wrong : 'AAAAA-AAAAA' }));
      expect(reasonOf(err)).toBe('CODE_INVALID');
      left.push((err.data as unknown as { attemptsLeft: number }).attemptsLeft);
    }
    expect(left).toEqual([4, 3, 2, 1, 0]);
    const sixth = await failure(b.client.auth.verifySecondFactor.mutate({ challengeToken: login.challengeToken, code: await remember(e.secret, s + 1) }));
    expect(reasonOf(sixth)).toBe('CHALLENGE_INVALID');
    const challenge = await prisma.loginChallenge.findFirstOrThrow({ where: { userId: e.user.id }, orderBy: { createdAt: 'desc' } });
    expect(challenge.consumedAt).not.toBeNull();
    const user = await prisma.user.findUniqueOrThrow({ where: { id: e.user.id } });
    expect(user.failedLoginCount).toBe(5);
    // The refused sixth try did not use up its code.
    expect(user.totpLastStep).toBe(BigInt(s));

    // Failures are shared with password sign-in: one more wrong code passes the free ones.
    const again = await b.client.auth.login.mutate({ username: e.username, password: PASSWORD });
    if (again.status !== 'second_factor_required') throw new Error('expected a challenge');
    await failure(b.client.auth.verifySecondFactor.mutate({ challengeToken: again.challengeToken, code: wrong }));
    expect(reasonOf(await failure(b.client.auth.login.mutate({ username: e.username, password: PASSWORD })))).toBe('RATE_LIMITED');
    e.b.close();
    b.close();
  });

  it('refuses an unknown or malformed challenge without touching any account', async () => {
    const b = browser(h);
    for (const challengeToken of ['x'.repeat(43), 'short']) {
      const err = await failure(b.client.auth.verifySecondFactor.mutate({ challengeToken, code: '123456' }));
      expect(err.data?.httpStatus).toBe(challengeToken === 'short' ? 400 : 401);
    }
    b.close();
  });
});
