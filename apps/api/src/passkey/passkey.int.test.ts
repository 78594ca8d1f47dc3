// Passkeys over real HTTP with a real database, a real SMTP server and real WebAuthn
// cryptography (a software authenticator making ECDSA P-256 attestations and assertions).
import { type TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '@jutsu/shared';
import { createAccount } from '../auth/accounts.ts';
import { REFRESH_COOKIE } from '../auth/cookies.ts';
import type { AppRouter } from '../trpc/app-router.ts';
import { createClient, eventually, startHarness, type Harness } from '../testing/harness.ts';
import { failure, reasonOf } from '../testing/browser.ts';
import { mailText, startSmtp, type TestSmtp } from '../testing/smtp.ts';
import { SoftAuthenticator, strangerKey, type AssertionOverrides } from './testing/soft-authenticator.ts';

const PASSWORD = 'lantern orbit cactus meadow';
let seq = 0;
let ipSeq = 0;

describe('passkeys', () => {
  let h: Harness;
  let smtp: TestSmtp;
  const secrets: string[] = [PASSWORD];

  /** A browser-like client from its own address: cookie jar, in-memory access token. */
  function browser(ip = `198.51.${Math.floor(++ipSeq / 250)}.${(ipSeq % 250) + 1}`) {
    const jar = new Map<string, string>();
    let token: string | undefined;
    const c = createClient(h, { cookies: jar, token: () => token, headers: { 'x-forwarded-for': ip } });
    const remember = (t: string) => {
      token = t;
      secrets.push(t);
      const refresh = jar.get(REFRESH_COOKIE);
      if (refresh) secrets.push(refresh);
    };
    return {
      client: c.client,
      close: c.close,
      jar,
      ip,
      async login(username: string, password = PASSWORD) {
        const res = await c.client.auth.login.mutate({ username, password });
        if (res.status !== 'ok') throw new Error(`login needs ${res.status}`);
        remember(res.accessToken);
        return res;
      },
      /** The whole passkey sign-in: options, the authenticator, authenticate. */
      async passkeyLogin(auth: SoftAuthenticator, opts: { username?: string; overrides?: AssertionOverrides } = {}) {
        const options = await c.client.passkey.authenticationOptions.mutate(opts.username ? { username: opts.username } : {});
        const response = auth.getAssertion(options, opts.overrides);
        const res = await c.client.passkey.authenticate.mutate({ response });
        remember(res.accessToken);
        return res;
      },
    };
  }
  type Browser = ReturnType<typeof browser>;

  async function newUser(opts: { role?: Role; email?: string | null } = {}) {
    const username = `pk${++seq}u${Date.now() % 100_000}`;
    const user = await createAccount(h.services.prisma, { username, password: PASSWORD, role: opts.role ?? 'trader', email: opts.email === undefined ? `${username}@jutsu.test` : opts.email });
    return { username, user };
  }

  async function addPasskey(b: Browser, auth: SoftAuthenticator, name = 'Laptop') {
    const options = await b.client.passkey.registrationOptions.mutate();
    return b.client.passkey.register.mutate({ response: auth.createCredential(options), name });
  }

  /** A user with one passkey, signed in with the password in `b`. */
  async function enrolled(opts: { role?: Role; email?: string | null; auth?: SoftAuthenticator } = {}) {
    const { username, user } = await newUser(opts);
    const b = browser();
    await b.login(username);
    const auth = opts.auth ?? new SoftAuthenticator();
    const passkey = await addPasskey(b, auth);
    return { username, user, b, auth, passkey };
  }

  async function makeAuthOld(userId: string) {
    await h.services.prisma.session.updateMany({ where: { userId }, data: { authTime: new Date(Date.now() - 11 * 60_000) } });
  }

  beforeAll(async () => {
    smtp = await startSmtp();
    h = await startHarness({
      // Each simulated browser gets its own address (X-Forwarded-For from the loopback proxy).
      TRUSTED_PROXIES: 'loopback',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      SECURITY_ALERT_EMAIL: 'owner@jutsu.test',
      LOCKOUT_THRESHOLD: '3',
      LOGIN_DELAY_AFTER_FAILURES: '2',
      LOGIN_RATE_LIMIT: '3',
    });
  });
  afterAll(async () => {
    h?.expectLogsFreeOf(secrets);
    await h?.close();
    await smtp?.close();
  });

  it('registers a passkey after recent authentication: stored fields, list, warning event and owner notice', async () => {
    const { username, user } = await newUser();
    const b = browser();
    await b.login(username);
    const auth = new SoftAuthenticator({ backupEligible: true, backedUp: true, aaguid: Buffer.alloc(16, 0xab) });

    const options = await b.client.passkey.registrationOptions.mutate();
    expect(options.rp).toEqual({ id: 'app.test', name: 'Jutsu Labs' });
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'preferred', userVerification: 'required' });
    expect(options.attestation).toBe('none');
    expect(options.user.name).toBe(username);
    const stored = await h.services.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(options.user.id).toBe(Buffer.from(stored.webauthnUserId!).toString('base64url')); // a random handle, not the id
    expect(options.user.id).not.toContain(user.id);
    const challenge = await h.services.prisma.webauthnChallenge.findUniqueOrThrow({ where: { challenge: options.challenge } });
    expect(challenge).toMatchObject({ purpose: 'registration', userId: user.id, consumedAt: null });
    expect(challenge.expiresAt.getTime() - challenge.createdAt.getTime()).toBeLessThanOrEqual(5 * 60_000 + 1_000);

    const response = auth.createCredential(options);
    const added = await b.client.passkey.register.mutate({ response, name: '  YubiKey 5  ' });
    expect(added).toMatchObject({ name: 'YubiKey 5', deviceType: 'multiDevice', backedUp: true });

    const row = await h.services.prisma.passkey.findUniqueOrThrow({ where: { id: added.id } });
    expect(Buffer.from(row.credentialId).toString('base64url')).toBe(response.id);
    expect(row.publicKey.length).toBeGreaterThan(64); // the COSE key, as bytes
    expect(row).toMatchObject({ userId: user.id, counter: 0n, transports: ['internal', 'hybrid'], deviceType: 'multiDevice', backedUp: true, aaguid: 'abababab-abab-abab-abab-abababababab', lastUsedAt: null });

    const list = await b.client.passkey.list.query();
    expect(list).toEqual([expect.objectContaining({ id: added.id, name: 'YubiKey 5', deviceType: 'multiDevice', backedUp: true, lastUsedAt: null })]);
    expect(JSON.stringify(list)).not.toContain(response.id); // no credential ids or keys leave through the list

    const event = await h.services.prisma.securityEvent.findFirstOrThrow({ where: { type: 'passkey.added', userId: user.id } });
    expect(event.severity).toBe('warning');
    expect(event.details).toMatchObject({ outcome: 'success', passkeyId: added.id, name: 'YubiKey 5' });
    const mail = await smtp.waitFor(new RegExp(`added to your account ${username}\\.`));
    expect(mail.to).toEqual([`${username}@jutsu.test`]);
    // Quoted (the name is someone's typing, not our words); the mail is quoted-printable UTF-8.
    expect(mailText(mail.raw)).toMatch(/Passkey: (“|=E2=80=9C)YubiKey 5(”|=E2=80=9D)/);

    // A second registration excludes the first credential; the same authenticator is refused twice.
    const again = await b.client.passkey.registrationOptions.mutate();
    expect(again.excludeCredentials?.map((c) => c.id)).toEqual([response.id]);
    expect(() => auth.createCredential(again)).toThrow(/already registered/);
    const replayed = await failure(b.client.passkey.register.mutate({ response, name: 'again' }));
    expect(reasonOf(replayed)).toBe('CHALLENGE_INVALID');
  });

  it('requires recent authentication to add a passkey, and lets a passkey satisfy it (step-up)', async () => {
    const { user, b, auth } = await enrolled();
    await makeAuthOld(user.id);
    expect(reasonOf(await failure(b.client.passkey.registrationOptions.mutate()))).toBe('REAUTH_REQUIRED');

    const options = await b.client.passkey.reauthenticationOptions.mutate();
    expect(options.userVerification).toBe('required');
    expect(options.allowCredentials?.map((c) => c.id)).toEqual([auth.credentials[0]!.id.toString('base64url')]);
    const before = Date.now();
    const { authTime } = await b.client.passkey.reauthenticate.mutate({ response: auth.getAssertion(options) });
    expect(authTime.getTime()).toBeGreaterThanOrEqual(before - 1_000);
    const session = await h.services.prisma.session.findFirstOrThrow({ where: { userId: user.id, revokedAt: null } });
    expect(session.authTime.getTime()).toBe(authTime.getTime());

    // Now sensitive changes are allowed again: add a second passkey.
    await expect(addPasskey(b, new SoftAuthenticator(), 'Phone')).resolves.toMatchObject({ name: 'Phone' });
    await h.services.securityEvents.settled(); // success notes are written just after the answer
    const event = await h.services.prisma.securityEvent.findFirstOrThrow({ where: { type: 'auth.reauthenticated', userId: user.id } });
    expect(event.details).toMatchObject({ method: 'passkey', outcome: 'success' });
  });

  it('keeps step-up bound to the signed-in user: no other account’s passkey or challenge, no sign-in challenge', async () => {
    const alice = await enrolled();
    const bob = await enrolled();
    await makeAuthOld(alice.user.id);
    await makeAuthOld(bob.user.id);

    // Bob's passkey over Alice's step-up challenge, presented in Bob's session: refused.
    const aliceOptions = await alice.b.client.passkey.reauthenticationOptions.mutate();
    const bobOverAlice = bob.auth.getAssertion({ ...aliceOptions, allowCredentials: [] });
    expect(reasonOf(await failure(bob.b.client.passkey.reauthenticate.mutate({ response: bobOverAlice })))).toBe('CHALLENGE_INVALID');
    // Alice's passkey over her own challenge, presented in Bob's session: refused too.
    const aliceOwn = alice.auth.getAssertion(aliceOptions);
    expect(reasonOf(await failure(bob.b.client.passkey.reauthenticate.mutate({ response: aliceOwn })))).toBe('CHALLENGE_INVALID');
    // Bob's passkey over Bob's challenge in Bob's session is fine, but not over a sign-in challenge.
    const signIn = await browser().client.passkey.authenticationOptions.mutate({});
    expect(reasonOf(await failure(bob.b.client.passkey.reauthenticate.mutate({ response: bob.auth.getAssertion(signIn) })))).toBe('CHALLENGE_INVALID');
    // …and a step-up challenge is no sign-in challenge.
    const bobOptions = await bob.b.client.passkey.reauthenticationOptions.mutate();
    const stranger = browser();
    expect(reasonOf(await failure(stranger.client.passkey.authenticate.mutate({ response: bob.auth.getAssertion(bobOptions) })))).toBe('CHALLENGE_INVALID');
    for (const u of [alice, bob]) {
      const s = await h.services.prisma.session.findFirstOrThrow({ where: { userId: u.user.id, revokedAt: null } });
      expect(Date.now() - s.authTime.getTime()).toBeGreaterThan(10 * 60_000);
    }
  });

  it('signs in passwordless with a discoverable passkey: like auth.login, two factors (TOTP skipped)', async () => {
    const { user, auth, username } = await enrolled();
    // The account has TOTP: a password sign-in would need the second step.
    await h.services.prisma.user.update({ where: { id: user.id }, data: { totpEnabledAt: new Date() } });
    const pw = await browser().client.auth.login.mutate({ username, password: PASSWORD });
    expect(pw.status).toBe('second_factor_required');

    const b = browser();
    const options = await b.client.passkey.authenticationOptions.mutate();
    expect(options).toMatchObject({ rpId: 'app.test', userVerification: 'required' });
    expect(options.allowCredentials).toBeUndefined(); // the authenticator chooses the account
    expect(await h.services.prisma.webauthnChallenge.findUniqueOrThrow({ where: { challenge: options.challenge } })).toMatchObject({ purpose: 'login', userId: null });
    const res = await b.client.passkey.authenticate.mutate({ response: auth.getAssertion(options) });
    expect(res).toMatchObject({ status: 'ok', user: { id: user.id, username, twoFactorEnabled: true } });
    expect(res.accessToken).toMatch(/^ey/);
    secrets.push(res.accessToken);
    expect(b.jar.get(REFRESH_COOKIE)).toBeTruthy();
    secrets.push(b.jar.get(REFRESH_COOKIE)!);

    const session = await h.services.prisma.session.findFirstOrThrow({ where: { userId: user.id, amr: { has: 'passkey' } } });
    expect(session.amr).toEqual(['passkey']);
    const row = await h.services.prisma.passkey.findFirstOrThrow({ where: { userId: user.id } });
    expect(row.counter).toBe(1n);
    expect(row.lastUsedAt).not.toBeNull();
    await h.services.securityEvents.settled(); // success notes are written just after the answer
    const event = await h.services.prisma.securityEvent.findFirstOrThrow({ where: { type: 'auth.login', userId: user.id, details: { path: ['method'], equals: 'passkey' } } });
    expect(event.details).toMatchObject({ outcome: 'success', passkeyId: row.id, sessionId: session.id });

    // The session works like any other: the API, and a refresh through the cookie.
    const c = createClient(h, { token: () => res.accessToken, headers: { 'x-forwarded-for': b.ip } });
    expect(await c.client.auth.me.query()).toMatchObject({ id: user.id, passkeys: 1 });
    c.close();
    const refreshed = await b.client.auth.refresh.mutate();
    secrets.push(refreshed.accessToken, b.jar.get(REFRESH_COOKIE)!);
    expect(refreshed.user.id).toBe(user.id);

    // Username-first works too: the options list the account's credentials.
    const named = await browser().client.passkey.authenticationOptions.mutate({ username: username.toUpperCase() });
    expect(named.allowCredentials?.map((c) => c.id)).toEqual([auth.credentials[0]!.id.toString('base64url')]);
    await expect(browser().passkeyLogin(auth, { username })).resolves.toMatchObject({ status: 'ok' });
  });

  it('works with authenticators that keep no counter (always 0)', async () => {
    const { auth } = await enrolled({ auth: new SoftAuthenticator({ useCounter: false }) });
    for (let i = 0; i < 3; i++) await expect(browser().passkeyLogin(auth)).resolves.toMatchObject({ status: 'ok' });
  });

  it('refuses a replayed authentication response and an expired challenge', async () => {
    const { auth } = await enrolled();
    const b = browser();
    const options = await b.client.passkey.authenticationOptions.mutate({});
    const response = auth.getAssertion(options);
    await expect(b.client.passkey.authenticate.mutate({ response })).resolves.toMatchObject({ status: 'ok' });
    const replay = await failure(browser().client.passkey.authenticate.mutate({ response }));
    expect(reasonOf(replay)).toBe('CHALLENGE_INVALID');
    expect(replay.data?.code).toBe('BAD_REQUEST');

    const late = await b.client.passkey.authenticationOptions.mutate({});
    await h.services.prisma.webauthnChallenge.update({ where: { challenge: late.challenge }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    expect(reasonOf(await failure(b.client.passkey.authenticate.mutate({ response: auth.getAssertion(late) })))).toBe('CHALLENGE_INVALID');
  });

  it('lets exactly one of two simultaneous uses of one response succeed', async () => {
    const { user, auth } = await enrolled();
    const options = await browser().client.passkey.authenticationOptions.mutate({});
    const response = auth.getAssertion(options);
    const sessionsBefore = await h.services.prisma.session.count({ where: { userId: user.id } });
    const [a, b] = [browser(), browser()];
    const results = await Promise.allSettled([a.client.passkey.authenticate.mutate({ response }), b.client.passkey.authenticate.mutate({ response })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(reasonOf(loser.reason)).toBe('CHALLENGE_INVALID');
    for (const r of results) if (r.status === 'fulfilled') secrets.push(r.value.accessToken);
    expect(await h.services.prisma.session.count({ where: { userId: user.id } })).toBe(sessionsBefore + 1);
  });

  it('refuses ceremonies made for another origin or RP ID (registration and sign-in)', async () => {
    const { user, b, auth } = await enrolled();
    for (const overrides of [{ origin: 'http://evil.test' }, { origin: 'https://app.test' }, { rpId: 'evil.test' }]) {
      const regOptions = await b.client.passkey.registrationOptions.mutate();
      const reg = await failure(b.client.passkey.register.mutate({ response: new SoftAuthenticator().createCredential(regOptions, overrides), name: 'Phish' }));
      expect(reasonOf(reg)).toBe('PASSKEY_INVALID');

      const err = await failure(browser().passkeyLogin(auth, { overrides }));
      expect(reasonOf(err)).toBe('PASSKEY_INVALID');
      expect(err.data?.code).toBe('UNAUTHORIZED');
    }
    expect(await h.services.prisma.passkey.count({ where: { userId: user.id } })).toBe(1);
    expect(await h.services.prisma.session.count({ where: { userId: user.id, amr: { has: 'passkey' } } })).toBe(0);
    const failures = (await h.services.prisma.securityEvent.findMany({ where: { type: 'auth.login', userId: user.id }, orderBy: { id: 'asc' } })).filter(
      (e) => (e.details as { outcome?: string }).outcome === 'failure',
    );
    expect(failures.map((e) => (e.details as { why?: string }).why)).toEqual(['verification', 'verification', 'verification']);
    // The honest ceremony still works afterwards.
    await expect(browser().passkeyLogin(auth)).resolves.toMatchObject({ status: 'ok' });
  });

  it('requires user verification, at registration and at sign-in', async () => {
    const { b, auth, user } = await enrolled();
    const regOptions = await b.client.passkey.registrationOptions.mutate();
    const reg = await failure(b.client.passkey.register.mutate({ response: new SoftAuthenticator().createCredential(regOptions, { userVerified: false }), name: 'No PIN' }));
    expect(reasonOf(reg)).toBe('PASSKEY_INVALID');
    expect(reasonOf(await failure(browser().passkeyLogin(auth, { overrides: { userVerified: false } })))).toBe('PASSKEY_INVALID');
    expect(await h.services.prisma.passkey.count({ where: { userId: user.id } })).toBe(1);
  });

  it('does not let one account’s sign-in challenge be used by another account’s passkey', async () => {
    const alice = await enrolled();
    const bob = await enrolled();
    const attacker = browser();
    // Bob starts a username-first sign-in for Alice and answers with his own passkey.
    const forAlice = await attacker.client.passkey.authenticationOptions.mutate({ username: alice.username });
    const signed = bob.auth.getAssertion({ ...forAlice, allowCredentials: [] });
    const err = await failure(attacker.client.passkey.authenticate.mutate({ response: signed }));
    expect(reasonOf(err)).toBe('PASSKEY_INVALID');
    const event = await h.services.prisma.securityEvent.findFirstOrThrow({ where: { type: 'auth.login' }, orderBy: { id: 'desc' } });
    expect(event.details).toMatchObject({ outcome: 'failure', why: 'wrong_account' });
    // Nor Alice's registration challenge for Bob's new passkey.
    const aliceReg = await alice.b.client.passkey.registrationOptions.mutate();
    const reg = await failure(bob.b.client.passkey.register.mutate({ response: new SoftAuthenticator().createCredential(aliceReg), name: 'Sneaky' }));
    expect(reasonOf(reg)).toBe('CHALLENGE_INVALID');
    // A user handle that is not the credential owner's is refused.
    const mismatched = await failure(browser().passkeyLogin(bob.auth, { overrides: { userHandle: alice.auth.credentials[0]!.userHandle.toString('base64url') } }));
    expect(reasonOf(mismatched)).toBe('PASSKEY_INVALID');
    // A discoverable sign-in must name the account (user handle).
    expect(reasonOf(await failure(browser().passkeyLogin(bob.auth, { overrides: { userHandle: null } })))).toBe('PASSKEY_INVALID');
    expect(await h.services.prisma.session.count({ where: { userId: { in: [alice.user.id, bob.user.id] }, amr: { has: 'passkey' } } })).toBe(0);
  });

  it('answers a name without passkeys with a stable decoy that can never sign in', async () => {
    const { auth } = await enrolled();
    const c = browser().client;
    const first = await c.passkey.authenticationOptions.mutate({ username: 'nobody-here' });
    const second = await c.passkey.authenticationOptions.mutate({ username: 'nobody-here' });
    const { username: passwordOnly } = await newUser();
    const third = await c.passkey.authenticationOptions.mutate({ username: passwordOnly });
    expect(first.allowCredentials).toHaveLength(1);
    expect(first.allowCredentials).toEqual(second.allowCredentials);
    expect(third.allowCredentials).toHaveLength(1);
    expect(third.allowCredentials![0]!.id).not.toBe(first.allowCredentials![0]!.id);
    expect(Object.keys(first.allowCredentials![0]!).sort()).toEqual(['id', 'type']);
    // A real passkey answering a decoy challenge is refused like any unknown credential.
    const err = await failure(c.passkey.authenticate.mutate({ response: auth.getAssertion({ ...first, allowCredentials: [] }) }));
    expect(reasonOf(err)).toBe('PASSKEY_INVALID');
  });

  it('lets the owner lift a lock on password sign-in from a passkey session, never from a password one', async () => {
    const { username, user, b, auth } = await enrolled();
    await h.services.prisma.user.update({ where: { id: user.id }, data: { lockedAt: new Date(), lockedReason: '100 failed attempts in a row' } });
    // A password session (the one that enrolled) cannot.
    expect(reasonOf(await failure(b.client.auth.unlockPasswordSignIn.mutate()))).toBe('PASSKEY_REQUIRED');
    const owner = browser();
    await owner.passkeyLogin(auth);
    expect((await owner.client.auth.me.query()).passwordLock).toMatchObject({ reason: 'failures' });
    expect(await owner.client.auth.unlockPasswordSignIn.mutate()).toEqual({ ok: true, wasLocked: true });
    expect((await owner.client.auth.me.query()).passwordLock).toBeNull();
    expect((await browser().login(username)).status).toBe('ok');
    // A "this wasn't me" lock is the link's (or an admin's) to lift.
    await h.services.prisma.user.update({ where: { id: user.id }, data: { lockedAt: new Date(), lockedReason: 'not_me' } });
    expect(reasonOf(await failure(owner.client.auth.unlockPasswordSignIn.mutate()))).toBe('PASSWORD_RESET_REQUIRED');
    expect(await h.services.prisma.securityEvent.count({ where: { type: 'user.unlocked', userId: user.id } })).toBe(1);
  });

  it('gives decoys the lengths of the credential ids registered here, so their size says nothing', async () => {
    await enrolled({ auth: new SoftAuthenticator({ credentialIdBytes: 16 }) });
    await enrolled({ auth: new SoftAuthenticator({ credentialIdBytes: 64 }) });
    const real = new Set((await h.services.prisma.passkey.findMany({ select: { credentialId: true } })).map((p) => p.credentialId.length));
    const decoyLengths = new Set<number>();
    for (let i = 0; i < 24; i++) {
      const options = await browser().client.passkey.authenticationOptions.mutate({ username: `nobody-${i}-here` });
      const length = Buffer.from(options.allowCredentials![0]!.id, 'base64url').length;
      expect(real.has(length), `decoy length ${length}`).toBe(true);
      decoyLengths.add(length);
    }
    expect(decoyLengths.size).toBeGreaterThan(1);
  });

  it('refuses a counter that goes backwards (possible clone) and raises a critical alert', async () => {
    const { user, auth } = await enrolled();
    await browser().passkeyLogin(auth); // counter 1
    const cloned = auth.clone(); // a copy of the key at counter 1
    await browser().passkeyLogin(auth); // counter 2

    const err = await failure(browser().passkeyLogin(cloned)); // the clone says 2 again
    expect(reasonOf(err)).toBe('PASSKEY_INVALID');
    expect(reasonOf(await failure(browser().passkeyLogin(auth, { overrides: { counter: 1 } })))).toBe('PASSKEY_INVALID');
    const row = await h.services.prisma.passkey.findFirstOrThrow({ where: { userId: user.id } });
    expect(row.counter).toBe(2n);

    const events = await h.services.prisma.securityEvent.findMany({ where: { type: 'passkey.clone_suspected', userId: user.id }, orderBy: { id: 'asc' } });
    expect(events.map((e) => [e.severity, (e.details as { storedCounter: string }).storedCounter, (e.details as { presentedCounter: string }).presentedCounter])).toEqual([
      ['critical', '2', '2'],
      ['critical', '2', '1'],
    ]);
    expect(events[0]!.details).toMatchObject({ passkeyId: row.id, ceremony: 'login' });
    const alert = await smtp.waitFor(/security alert: passkey\.clone_suspected/);
    expect(alert.to).toEqual(['owner@jutsu.test']);
    expect(await h.services.prisma.session.count({ where: { userId: user.id, amr: { has: 'passkey' } } })).toBe(2);

    // Moving forward again is accepted.
    await expect(browser().passkeyLogin(auth, { overrides: { counter: 10 } })).resolves.toMatchObject({ status: 'ok' });
  });

  it('judges the signature before the counter: a forgery with a low counter raises no alarm', async () => {
    const { user, auth } = await enrolled();
    await browser().passkeyLogin(auth);
    const err = await failure(browser().passkeyLogin(auth, { overrides: { counter: 0, signingKey: strangerKey() } }));
    expect(reasonOf(err)).toBe('PASSKEY_INVALID');
    expect(await h.services.prisma.securityEvent.count({ where: { type: 'passkey.clone_suspected', userId: user.id } })).toBe(0);
    expect((await h.services.prisma.passkey.findFirstOrThrow({ where: { userId: user.id } })).counter).toBe(1n);
  });

  it('renames and removes only the owner’s passkeys; removal needs recent authentication and ends its sign-ins', async () => {
    const { user, b, auth, passkey, username } = await enrolled();
    const other = await enrolled();
    await expect(b.client.passkey.rename.mutate({ id: passkey.id, name: 'Work laptop' })).resolves.toEqual({ id: passkey.id, name: 'Work laptop' });
    expect(reasonOf(await failure(other.b.client.passkey.rename.mutate({ id: passkey.id, name: 'Mine now' })))).toBe('PASSKEY_NOT_FOUND');
    expect(reasonOf(await failure(other.b.client.passkey.remove.mutate({ id: passkey.id })))).toBe('PASSKEY_NOT_FOUND');
    expect((await b.client.passkey.list.query()).map((p) => p.name)).toEqual(['Work laptop']);

    await makeAuthOld(user.id);
    expect(reasonOf(await failure(b.client.passkey.remove.mutate({ id: passkey.id })))).toBe('REAUTH_REQUIRED');
    await b.client.auth.reauthenticate.mutate({ password: PASSWORD });
    await expect(b.client.passkey.remove.mutate({ id: passkey.id })).resolves.toEqual({ ok: true, sessionsEnded: 0 });
    expect(await b.client.passkey.list.query()).toEqual([]);
    const event = await h.services.prisma.securityEvent.findFirstOrThrow({ where: { type: 'passkey.removed', userId: user.id } });
    expect(event).toMatchObject({ severity: 'warning', details: expect.objectContaining({ passkeyId: passkey.id, outcome: 'success' }) });

    // The removed passkey signs in neither discoverably nor username-first.
    expect(reasonOf(await failure(browser().passkeyLogin(auth)))).toBe('PASSKEY_INVALID');
    const named = await browser().client.passkey.authenticationOptions.mutate({ username });
    expect(() => auth.getAssertion(named)).toThrow(/no credential/);
    expect(await h.services.prisma.session.count({ where: { userId: user.id, amr: { has: 'passkey' } } })).toBe(0);
  });

  it('removing a passkey ends the sessions it opened, but not the one removing it nor password sessions', async () => {
    const { user, b, auth, passkey } = await enrolled();
    const secondAuth = new SoftAuthenticator();
    await addPasskey(b, secondAuth, 'Phone');
    // Two sessions opened by the first passkey, one by the second, and b (password).
    const byFirst = [browser(), browser()];
    for (const x of byFirst) await x.passkeyLogin(auth);
    const remover = browser();
    await remover.passkeyLogin(auth);
    const bySecond = browser();
    await bySecond.passkeyLogin(secondAuth);
    const opened = await h.services.prisma.session.findMany({ where: { userId: user.id, passkeyId: passkey.id } });
    expect(opened).toHaveLength(3);
    const { sessionId: removerSession } = await remover.client.auth.me.query();

    await expect(remover.client.passkey.remove.mutate({ id: passkey.id })).resolves.toEqual({ ok: true, sessionsEnded: 2 });
    for (const x of byFirst) expect(reasonOf(await failure(x.client.auth.me.query()))).toBe('SESSION_REVOKED');
    await expect(remover.client.auth.me.query()).resolves.toMatchObject({ id: user.id });
    await expect(bySecond.client.auth.me.query()).resolves.toMatchObject({ id: user.id });
    await expect(b.client.auth.me.query()).resolves.toMatchObject({ id: user.id });
    const ended = await h.services.prisma.session.findMany({ where: { userId: user.id, revokedReason: 'passkey_removed' } });
    expect(ended.map((s) => s.id).sort()).toEqual(opened.map((s) => s.id).filter((id) => id !== removerSession).sort());
    const event = await h.services.prisma.securityEvent.findFirstOrThrow({ where: { type: 'passkey.removed', userId: user.id }, orderBy: { id: 'desc' } });
    expect(event.details).toMatchObject({ passkeyId: passkey.id, sessionsEnded: 2 });
  });

  it('does not remove the last passkey of an account without a password', async () => {
    const { user, b, passkey } = await enrolled();
    await h.services.prisma.user.update({ where: { id: user.id }, data: { passwordHash: null } });
    expect(reasonOf(await failure(b.client.passkey.remove.mutate({ id: passkey.id })))).toBe('LAST_SIGN_IN_METHOD');
    expect(await h.services.prisma.passkey.count({ where: { userId: user.id } })).toBe(1);
  });

  it('signs in with a passkey while the password is locked out and throttled; a disabled account is refused', async () => {
    const { user, username, auth } = await enrolled();
    // An attacker hammers the password from one address until the account locks.
    const attacker = browser('203.0.113.66');
    for (let i = 0; i < 3; i++) expect(reasonOf(await failure(attacker.client.auth.login.mutate({ username, password: `wrong guess number ${i} x` })))).toBe('INVALID_CREDENTIALS');
    expect(reasonOf(await failure(attacker.client.auth.login.mutate({ username, password: PASSWORD })))).toBe('RATE_LIMITED');
    expect((await h.services.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).lockedAt).not.toBeNull();
    // The owner's password is useless for now (throttled, then locked)…
    expect(reasonOf(await failure(browser().client.auth.login.mutate({ username, password: PASSWORD })))).toMatch(/^(RATE_LIMITED|ACCOUNT_LOCKED)$/);
    // …but the passkey signs in, even from the attacker's (rate-limited) address.
    await expect(browser('203.0.113.66').passkeyLogin(auth)).resolves.toMatchObject({ status: 'ok', user: { id: user.id } });
    await expect(browser().passkeyLogin(auth, { username })).resolves.toMatchObject({ status: 'ok' });
    // The password stays locked until an administrator unlocks it.
    expect((await h.services.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).lockedAt).not.toBeNull();

    await h.services.prisma.user.update({ where: { id: user.id }, data: { disabledAt: new Date() } });
    const disabled = await failure(browser().passkeyLogin(auth));
    expect(reasonOf(disabled)).toBe('ACCOUNT_DISABLED');
    expect(disabled.data?.code).toBe('FORBIDDEN');
  });

  it('rate limits passkey sign-in in its own bucket', async () => {
    const b = browser();
    let refused: TRPCClientError<AppRouter> | undefined;
    for (let i = 0; i < 25 && !refused; i++) {
      try {
        await b.client.passkey.authenticationOptions.mutate({});
      } catch (err) {
        refused = err as TRPCClientError<AppRouter>;
      }
    }
    expect(reasonOf(refused)).toBe('RATE_LIMITED');
    expect(refused!.data?.code).toBe('TOO_MANY_REQUESTS');
    // The password bucket of the same address is untouched.
    const { username } = await newUser();
    const pw = browser(b.ip);
    await expect(pw.login(username)).resolves.toMatchObject({ status: 'ok' });
    await eventually(async () => expect(await h.services.prisma.securityEvent.count({ where: { type: 'rate_limit.hit', details: { path: ['bucket'], equals: 'passkeyLogin' } } })).toBe(1));
  });

  it('notifies an admin without an email through SECURITY_ALERT_EMAIL', async () => {
    const { username } = await enrolled({ role: 'admin', email: null });
    const mail = await smtp.waitFor(new RegExp(`added to your account ${username}`));
    expect(mail.to).toEqual(['owner@jutsu.test']);
  });
});
