// Abuse cases for sign-in and sessions, over real HTTP and WebSocket with a real database
// and a real SMTP server.
import bcrypt from 'bcryptjs';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventually, startHarness, TEST_ORIGIN, type Harness } from '../testing/harness.ts';
import { failure, reasonOf, TestBrowser } from '../testing/browser.ts';
import { mailText, startSmtp, type TestSmtp } from '../testing/smtp.ts';
import { deriveKey } from './access-token.ts';
import { createAccount } from './accounts.ts';
import { REFRESH_COOKIE } from './cookies.ts';
import { LOST_ANSWER_RETRY_MS } from './sessions.ts';

const PASSWORD = 'lantern orbit cactus meadow';
let seq = 0;

async function newUser(h: Harness, opts: { email?: string; role?: 'admin' | 'trader' | 'viewer' } = {}) {
  const username = `user${++seq}${Date.now() % 10_000}`;
  const user = await createAccount(h.services.prisma, { username, password: PASSWORD, role: opts.role ?? 'trader', email: opts.email ?? null });
  return { username, user };
}

function browser(h: Harness, headers: Record<string, string> = {}): TestBrowser {
  return new TestBrowser(h, headers);
}

describe('sign-in and sessions', () => {
  let h: Harness;
  let smtp: TestSmtp;
  const secrets: string[] = [PASSWORD];

  beforeAll(async () => {
    smtp = await startSmtp();
    h = await startHarness({
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      SECURITY_ALERT_EMAIL: 'owner@jutsu.test',
      LOGIN_RATE_LIMIT: '1000',
      LOGIN_DELAY_AFTER_FAILURES: '1000',
    });
  });
  afterAll(async () => {
    h?.expectLogsFreeOf(secrets);
    await h?.close();
    await smtp?.close();
  });

  it('signs in and sets a hardened refresh cookie', async () => {
    const { username } = await newUser(h);
    const res = await fetch(`${h.url}/api/auth/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: TEST_ORIGIN },
      body: JSON.stringify({ json: { username, password: PASSWORD } }),
    });
    expect(res.status).toBe(200);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${REFRESH_COOKIE}=`))!;
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/; SameSite=Strict/i);
    expect(cookie).toMatch(/; Path=\/api\/auth(;|$)/);
    const maxAge = Number(/; Max-Age=(\d+)/.exec(cookie)![1]);
    expect(maxAge).toBeGreaterThan(7 * 86_400 - 60);
    expect(maxAge).toBeLessThanOrEqual(7 * 86_400);
    const value = cookie.split(';')[0]!.split('=')[1]!;
    secrets.push(value);
    expect(Buffer.from(value, 'base64url').length).toBeGreaterThanOrEqual(32);
    // Only a hash is stored.
    const rows = await h.services.prisma.refreshToken.findMany();
    expect(rows.some((r) => r.tokenHash === value || r.tokenHash.includes(value))).toBe(false);
    const body = (await res.json()) as { result: { data: { json: { accessToken: string } } } };
    secrets.push(body.result.data.json.accessToken);
  });

  it('answers unknown user and wrong password identically', async () => {
    const { username } = await newUser(h);
    const b = browser(h);
    const unknown = await failure(b.login('nobody-here', PASSWORD));
    const wrong = await failure(b.login(username, 'definitely not the password'));
    expect(unknown.message).toBe(wrong.message);
    expect(unknown.data?.code).toBe('UNAUTHORIZED');
    expect(wrong.data?.code).toBe('UNAUTHORIZED');
    expect(reasonOf(unknown)).toBe('INVALID_CREDENTIALS');
    expect(reasonOf(wrong)).toBe('INVALID_CREDENTIALS');
    b.close();
    await h.services.securityEvents.settled(); // success notes are written just after the answer
    const events = await h.services.prisma.securityEvent.findMany({ where: { type: 'auth.login' }, orderBy: { id: 'desc' }, take: 2 });
    expect(events.map((e) => (e.details as { outcome: string }).outcome)).toEqual(['failure', 'failure']);
  });

  it('rotates the refresh token; reusing a rotated one kills the family, closes its socket, alerts by email', async () => {
    const { username } = await newUser(h);
    const b = browser(h);
    await b.login(username);
    const stolen = b.jar.get(REFRESH_COOKIE)!;
    secrets.push(stolen);
    const refreshed = await b.client.auth.refresh.mutate();
    b.token = refreshed.accessToken;
    secrets.push(refreshed.accessToken);
    expect(b.jar.get(REFRESH_COOKIE)).not.toBe(stolen);
    // The tab refreshes again: the token the stolen one was rotated into has been used, so
    // presenting the stolen one cannot be a retry of a lost answer.
    b.token = (await b.client.auth.refresh.mutate()).accessToken;
    secrets.push(b.token);
    // The legitimate tab has a live socket.
    const socketsBefore = h.services.sockets.size;
    let started!: () => void;
    const isStarted = new Promise<void>((r) => (started = r));
    const revoked = new Promise<string>((resolve) => {
      b.client.events.session.subscribe(undefined, { onData: (e) => resolve(e.reason), onStarted: () => started() });
    });
    await isStarted;
    await eventually(async () => expect(h.services.sockets.size).toBeGreaterThan(socketsBefore));
    await new Promise((r) => setTimeout(r, 100)); // the generator is listening once it has run to its first await
    // The attacker replays the stolen (rotated) token.
    const attacker = browser(h);
    attacker.jar.set(REFRESH_COOKIE, stolen);
    const err = await failure(attacker.client.auth.refresh.mutate());
    expect(err.data?.httpStatus).toBe(401);
    expect(reasonOf(err)).toBe('REFRESH_REUSED');
    expect(await revoked).toBe('refresh_token_reuse');
    // The legitimate token of the same family is dead too.
    expect(reasonOf(await failure(b.client.auth.refresh.mutate()))).toBe('SESSION_REVOKED');
    expect(reasonOf(await failure(b.client.auth.me.query()))).toBe('SESSION_REVOKED');
    const event = await h.services.prisma.securityEvent.findFirstOrThrow({ where: { type: 'auth.refresh_reuse' } });
    expect(event.severity).toBe('critical');
    const mail = await smtp.waitFor(/auth\.refresh_reuse/);
    expect(mail.to).toEqual(['owner@jutsu.test']);
    expect(mail.raw).not.toContain(stolen);
    b.close();
    attacker.close();
  });

  it('takes a rotated token presented again before its answer was used as a retry; the unused answer becomes a trap', async () => {
    const { username } = await newUser(h);
    const b = browser(h);
    await b.login(username);
    const first = b.jar.get(REFRESH_COOKIE)!;
    await b.client.auth.refresh.mutate();
    // The answer never reached the tab (the process died, the connection dropped): it still holds `first`.
    const lostAnswer = b.jar.get(REFRESH_COOKIE)!;
    b.jar.set(REFRESH_COOKIE, first);
    secrets.push(first, lostAnswer);
    const retried = await b.client.auth.refresh.mutate();
    secrets.push(retried.accessToken);
    const retryAnswer = b.jar.get(REFRESH_COOKIE)!;
    expect([retryAnswer === first, retryAnswer === lostAnswer]).toEqual([false, false]);
    // Retried twice (a second lost answer) is still a retry, and nothing was flagged.
    b.jar.set(REFRESH_COOKIE, first);
    await b.client.auth.refresh.mutate();
    const live = b.jar.get(REFRESH_COOKIE)!;
    secrets.push(live);
    expect(await h.services.prisma.securityEvent.count({ where: { type: 'auth.refresh_reuse', details: { path: ['sessionId'], equals: (await h.services.prisma.session.findFirstOrThrow({ where: { user: { username } } })).id } } })).toBe(0);
    // Whoever held a retired answer (a thief who replayed `first` while the owner held it) is
    // caught when that answer is presented: the family dies, as for any reuse.
    const holder = browser(h);
    holder.jar.set(REFRESH_COOKIE, lostAnswer);
    expect(reasonOf(await failure(holder.client.auth.refresh.mutate()))).toBe('REFRESH_REUSED');
    expect(reasonOf(await failure(b.client.auth.refresh.mutate()))).toBe('SESSION_REVOKED');
    b.close();
    holder.close();
  });

  it('takes a rotated token as a retry only from the client that used it: a copy used elsewhere is reuse at once', async () => {
    const { username } = await newUser(h);
    const b = browser(h, { 'user-agent': 'OwnerBrowser/1.0' });
    await b.login(username);
    const copied = b.jar.get(REFRESH_COOKIE)!;
    secrets.push(copied);
    // The owner refreshes (the answer arrives and is kept, but not yet used) …
    await b.client.auth.refresh.mutate();
    secrets.push(b.jar.get(REFRESH_COOKIE)!);
    // … and the copy is presented within the retry window by another browser.
    const thief = browser(h, { 'user-agent': 'OtherBrowser/2.0' });
    thief.jar.set(REFRESH_COOKIE, copied);
    expect(reasonOf(await failure(thief.client.auth.refresh.mutate()))).toBe('REFRESH_REUSED');
    expect(reasonOf(await failure(b.client.auth.refresh.mutate()))).toBe('SESSION_REVOKED');
    expect(await h.services.prisma.securityEvent.count({ where: { type: 'auth.refresh_reuse', username } })).toBe(1);
    b.close();
    thief.close();
  });

  it('treats a rotated token as reuse once its answer was used, or after the retry window', async () => {
    for (const late of [false, true]) {
      const { username, user } = await newUser(h);
      const b = browser(h);
      await b.login(username);
      const first = b.jar.get(REFRESH_COOKIE)!;
      secrets.push(first);
      await b.client.auth.refresh.mutate();
      if (late) {
        await h.services.prisma.refreshToken.updateMany({ where: { session: { userId: user.id }, rotatedAt: { not: null } }, data: { rotatedAt: new Date(Date.now() - LOST_ANSWER_RETRY_MS - 1_000) } });
      } else {
        await b.client.auth.refresh.mutate();
      }
      const replay = browser(h);
      replay.jar.set(REFRESH_COOKIE, first);
      expect(reasonOf(await failure(replay.client.auth.refresh.mutate()))).toBe('REFRESH_REUSED');
      expect(reasonOf(await failure(b.client.auth.refresh.mutate()))).toBe('SESSION_REVOKED');
      b.close();
      replay.close();
    }
  });

  it('leaves at most one usable token after two simultaneous refreshes with the same token', async () => {
    const { username, user } = await newUser(h);
    const b = browser(h);
    await b.login(username);
    const token = b.jar.get(REFRESH_COOKIE)!;
    const one = browser(h);
    const two = browser(h);
    one.jar.set(REFRESH_COOKIE, token);
    two.jar.set(REFRESH_COOKIE, token);
    const results = await Promise.allSettled([one.client.auth.refresh.mutate(), two.client.auth.refresh.mutate()]);
    // Both may be answered (the later one as a retry, which retires the earlier answer), or
    // the loser of the race is refused as reuse; never two live tokens in one family.
    expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
    const live = await h.services.prisma.refreshToken.count({ where: { session: { userId: user.id, revokedAt: null }, rotatedAt: null } });
    expect(live).toBeLessThanOrEqual(1);
    for (const c of [b, one, two]) c.close();
  });

  it('after logout refuses the old access token and refresh cookie, and closes the socket', async () => {
    const { username } = await newUser(h);
    const b = browser(h);
    await b.login(username);
    const access = b.token!;
    const cookie = b.jar.get(REFRESH_COOKIE)!;
    // A raw tRPC WebSocket client: `connectionParams=1` makes the server wait for the token message.
    const ws = new WebSocket(`${h.url.replace('http', 'ws')}/api/ws?connectionParams=1`, { origin: TEST_ORIGIN });
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ method: 'connectionParams', data: { token: access } }));
    ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'events.session', input: { json: undefined } } }));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await eventually(async () => expect(h.services.sockets.size).toBeGreaterThan(0));
    await b.client.auth.logout.mutate();
    expect(await closed).toBe(4003);
    const again = browser(h);
    again.token = access;
    again.jar.set(REFRESH_COOKIE, cookie);
    expect(reasonOf(await failure(again.client.auth.me.query()))).toBe('SESSION_REVOKED');
    expect(await h.services.prisma.blacklistedToken.count()).toBeGreaterThan(0);
    expect((await failure(again.client.auth.refresh.mutate())).data?.httpStatus).toBe(401);
    b.close();
    again.close();
  });

  it('refuses tampered, expired, alg:none, wrong-algorithm and refresh-as-access tokens, with events', async () => {
    const { username, user } = await newUser(h);
    const b = browser(h);
    await b.login(username);
    const good = b.token!;
    const session = await h.services.prisma.session.findFirstOrThrow({ where: { userId: user.id } });
    const key = deriveKey(h.config.SECRET_KEY, 'access-token');
    const claims = { sid: session.id, role: 'admin', type: 'access' };
    const base = () => new SignJWT(claims).setSubject(user.id).setJti(crypto.randomUUID()).setIssuer('jutsu-labs').setAudience('jutsu-labs-api');
    const [head, payload, sig] = good.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), role: 'admin' })).toString('base64url');
    const bad: Record<string, string> = {
      tampered: `${head}.${forgedPayload}.${sig}`,
      badSignature: `${head}.${payload}.${Buffer.from('x'.repeat(32)).toString('base64url')}`,
      expired: await base().setProtectedHeader({ alg: 'HS256' }).setIssuedAt(Math.floor(Date.now() / 1000) - 3600).setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(key),
      algNone: new UnsecuredJWT(claims).setSubject(user.id).setJti('x').setIssuer('jutsu-labs').setAudience('jutsu-labs-api').setExpirationTime('10m').encode(),
      hs512: await base().setProtectedHeader({ alg: 'HS512' }).setIssuedAt().setExpirationTime('10m').sign(new Uint8Array(Buffer.concat([Buffer.from(key), Buffer.from(key)]))),
      refreshAsAccess: b.jar.get(REFRESH_COOKIE)!,
      wrongType: await new SignJWT({ ...claims, type: 'refresh' }).setProtectedHeader({ alg: 'HS256' }).setSubject(user.id).setJti('y').setIssuer('jutsu-labs').setAudience('jutsu-labs-api').setIssuedAt().setExpirationTime('10m').sign(key),
    };
    const before = await h.services.prisma.securityEvent.count({ where: { type: 'token.invalid' } });
    for (const [name, token] of Object.entries(bad)) {
      const res = await fetch(`${h.url}/api/auth/auth.me`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status, name).toBe(401);
    }
    expect(await h.services.prisma.securityEvent.count({ where: { type: 'token.invalid' } })).toBe(before + Object.keys(bad).length);
    // The genuine token still works: the refusals were about the tokens, not the session.
    expect((await fetch(`${h.url}/api/auth/auth.me`, { headers: { authorization: `Bearer ${good}` } })).status).toBe(200);
    b.close();
  });

  it('changes the password only with the current one, and ends every other session', async () => {
    const { username } = await newUser(h);
    const a = browser(h);
    const other = browser(h);
    await a.login(username);
    await other.login(username);
    expect(reasonOf(await failure(a.client.auth.changePassword.mutate({ currentPassword: 'wrong wrong wrong', newPassword: 'pepper violin harbor glacier' })))).toBe('INVALID_CREDENTIALS');
    expect(reasonOf(await failure(a.client.auth.changePassword.mutate({ currentPassword: PASSWORD, newPassword: 'password12345' })))).toBe('WEAK_PASSWORD');
    expect((await other.client.auth.me.query()).username).toBe(username); // nothing changed yet
    const res = await a.client.auth.changePassword.mutate({ currentPassword: PASSWORD, newPassword: 'pepper violin harbor glacier' });
    expect(res.otherSessionsRevoked).toBe(1);
    expect(reasonOf(await failure(other.client.auth.me.query()))).toBe('SESSION_REVOKED');
    expect((await a.client.auth.me.query()).username).toBe(username);
    expect(reasonOf(await failure(a.login(username, PASSWORD)))).toBe('INVALID_CREDENTIALS');
    expect((await a.login(username, 'pepper violin harbor glacier')).status).toBe('ok');
    a.close();
    other.close();
  });

  it('lists sessions with the current one marked; another user cannot revoke them', async () => {
    const { username } = await newUser(h);
    const { username: otherName } = await newUser(h);
    const a = browser(h, { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36' });
    const b = browser(h);
    const intruder = browser(h);
    await a.login(username);
    await b.login(username);
    await intruder.login(otherName);
    const list = await a.client.auth.sessions.query();
    expect(list).toHaveLength(2);
    const current = list.find((s) => s.current)!;
    expect(current.device).toMatch(/Chrome 156 on Linux/);
    const otherSession = list.find((s) => !s.current)!;
    expect((await failure(intruder.client.auth.revokeSession.mutate({ id: otherSession.id }))).data?.code).toBe('NOT_FOUND');
    expect((await b.client.auth.me.query()).username).toBe(username);
    await a.client.auth.revokeSession.mutate({ id: otherSession.id });
    expect(reasonOf(await failure(b.client.auth.me.query()))).toBe('SESSION_REVOKED');
    for (const c of [a, b, intruder]) c.close();
  });

  it('rejects malformed and oversized login input with a typed error, changing nothing', async () => {
    const b = browser(h);
    const before = await h.services.prisma.session.count();
    const huge = await failure(b.client.auth.login.mutate({ username: 'x', password: 'p'.repeat(100_000) }));
    expect(huge.data?.code).toMatch(/BAD_REQUEST|PAYLOAD_TOO_LARGE/);
    const wrongType = await failure(b.client.auth.login.mutate({ username: 42 as unknown as string, password: 'x' }));
    expect(wrongType.data?.code).toBe('BAD_REQUEST');
    expect(await h.services.prisma.session.count()).toBe(before);
    b.close();
  });

  it('accepts a legacy bcrypt hash once and stores argon2id instead', async () => {
    const { username, user } = await newUser(h);
    await h.services.prisma.user.update({ where: { id: user.id }, data: { passwordHash: await bcrypt.hash(PASSWORD, 10) } });
    const b = browser(h);
    expect((await b.login(username)).status).toBe('ok');
    const after = await h.services.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after.passwordHash).toMatch(/^\$argon2id\$/);
    b.close();
  });

  it('ends an idle session and never extends the absolute lifetime', async () => {
    const { username, user } = await newUser(h);
    const b = browser(h);
    await b.login(username);
    const s1 = await h.services.prisma.session.findFirstOrThrow({ where: { userId: user.id } });
    await b.client.auth.refresh.mutate();
    const s2 = await h.services.prisma.session.findUniqueOrThrow({ where: { id: s1.id } });
    expect(s2.expiresAt.getTime()).toBe(s1.expiresAt.getTime());
    await h.services.prisma.session.update({ where: { id: s1.id }, data: { lastUsedAt: new Date(Date.now() - (h.config.SESSION_IDLE_MINUTES + 1) * 60_000) } });
    expect(reasonOf(await failure(b.client.auth.refresh.mutate()))).toBe('SESSION_REVOKED');
    // …and one past its absolute end, however recently used.
    const c = browser(h);
    await c.login(username);
    const s3 = await h.services.prisma.session.findFirstOrThrow({ where: { userId: user.id, revokedAt: null } });
    await h.services.prisma.session.update({ where: { id: s3.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(reasonOf(await failure(c.client.auth.refresh.mutate()))).toBe('SESSION_REVOKED');
    b.close();
    c.close();
  });

  it('sends a new-device notice whose single-use link ends every session, removes what the intruder added, and lets only its holder set the password', async () => {
    const { username, user } = await newUser(h, { email: `${`n${Date.now()}`}@jutsu.test` });
    const first = browser(h);
    await first.login(username);
    const intruder = browser(h); // no device cookie: a new device
    await intruder.login(username);
    const mail = await smtp.waitFor(new RegExp(`Your account ${username} was just signed in from a new device`));
    expect(mail.to).toEqual([user.email]);
    const token = /\/not-me\/([A-Za-z0-9_-]+)/.exec(mailText(mail.raw))![1]!;
    secrets.push(token);
    // The owner's old passkey, and one the intruder added after signing in; a second factor
    // the intruder turned on too.
    const pk = (name: string, createdAt: Date) =>
      h.services.prisma.passkey.create({ data: { userId: user.id, credentialId: Buffer.from(name), publicKey: Buffer.from('k'), deviceType: 'singleDevice', name, createdAt } });
    await pk('owners-key', new Date(Date.now() - 86_400_000));
    await pk('intruders-key', new Date());
    await h.services.prisma.user.update({ where: { id: user.id }, data: { totpEnabledAt: new Date(), totpSecret: 'enc:v1:placeholder' } });
    const devicesBefore = await h.services.prisma.knownDevice.count({ where: { userId: user.id } });
    const owner = browser(h);
    const report = await owner.client.auth.reportNotMe.mutate({ token });
    secrets.push(report.resetToken);
    expect(report.removed).toMatchObject({ passkeys: 1, secondFactor: true });
    expect((await h.services.prisma.passkey.findMany({ where: { userId: user.id } })).map((p) => p.name)).toEqual(['owners-key']);
    const after = await h.services.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after.totpEnabledAt).toBeNull();
    expect(await h.services.prisma.knownDevice.count({ where: { userId: user.id } })).toBe(devicesBefore - 1); // the intruder's browser is a stranger again
    expect(reasonOf(await failure(first.client.auth.me.query()))).toBe('SESSION_REVOKED');
    expect(reasonOf(await failure(intruder.client.auth.me.query()))).toBe('SESSION_REVOKED');
    expect((await failure(owner.client.auth.reportNotMe.mutate({ token }))).data?.code).toBe('NOT_FOUND');
    // The intruder knows the password, but password sign-in waits for the link's holder.
    expect(reasonOf(await failure(intruder.login(username)))).toBe('ACCOUNT_LOCKED');
    // A weak new password is refused and the reset token survives to try again.
    expect(reasonOf(await failure(owner.client.auth.resetPassword.mutate({ token: report.resetToken, newPassword: 'aaaaaaaaaaaaaaaaaaaa' })))).toBe('WEAK_PASSWORD');
    const fresh = 'quartz lemon bicycle thunder';
    await owner.client.auth.resetPassword.mutate({ token: report.resetToken, newPassword: fresh });
    secrets.push(fresh);
    expect((await failure(owner.client.auth.resetPassword.mutate({ token: report.resetToken, newPassword: 'another quartz lemon bicycle' }))).data?.code).toBe('NOT_FOUND');
    expect(reasonOf(await failure(intruder.login(username)))).toBe('INVALID_CREDENTIALS');
    expect((await owner.login(username, fresh)).status).toBe('ok');
    // The owner is told of the password change, with a fresh link.
    const changed = await smtp.waitFor(new RegExp(`The password of your account ${username} was just changed`));
    expect(mailText(changed.raw)).toMatch(/\/not-me\/[A-Za-z0-9_-]+/);
    const critical = await h.services.prisma.securityEvent.findFirstOrThrow({ where: { type: 'auth.not_me', userId: user.id } });
    expect(critical.severity).toBe('critical');
    for (const c of [first, intruder, owner]) c.close();
  });

  it('tells the owner of every password change', async () => {
    const { username, user } = await newUser(h, { email: `${`p${Date.now()}`}@jutsu.test` });
    const b = browser(h);
    await b.login(username);
    await b.client.auth.changePassword.mutate({ currentPassword: PASSWORD, newPassword: 'violet granite oboe parade' });
    const mail = await smtp.waitFor(new RegExp(`The password of your account ${username} was just changed`));
    expect(mail.to).toEqual([user.email]);
    b.close();
  });
});

describe('brute force', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ TRUSTED_PROXIES: 'loopback', LOCKOUT_THRESHOLD: '6', LOGIN_DELAY_AFTER_FAILURES: '1000', LOGIN_RATE_LIMIT: '5' });
  });
  afterAll(async () => {
    h?.expectLogsFreeOf([PASSWORD]);
    await h?.close();
  });

  it('answers the 6th sign-in within a minute from one address with 429 and Retry-After', async () => {
    const { username } = await newUser(h);
    const codes: number[] = [];
    let retryAfter = '';
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${h.url}/api/auth/auth.login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: TEST_ORIGIN, 'x-forwarded-for': '198.51.100.9' },
        body: JSON.stringify({ json: { username, password: i === 5 ? PASSWORD : 'nope nope nope' } }),
      });
      codes.push(res.status);
      retryAfter = res.headers.get('retry-after') ?? retryAfter;
    }
    expect(codes).toEqual([401, 401, 401, 401, 401, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it('locks the account after the threshold even when attempts come from many addresses; then every password gets the same answer', async () => {
    const { username, user } = await newUser(h);
    for (let i = 0; i < 6; i++) {
      const b = browser(h, { 'x-forwarded-for': `203.0.113.${10 + i}` });
      expect(reasonOf(await failure(b.login(username, `guess number ${i} wrong`)))).toBe('INVALID_CREDENTIALS');
      b.close();
    }
    const locked = await h.services.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(locked.lockedAt).not.toBeNull();
    const event = await h.services.prisma.securityEvent.findFirstOrThrow({ where: { type: 'auth.lockout', userId: user.id } });
    expect(event.severity).toBe('critical');
    // A locked account checks no password at all: a wrong one and the right one answer alike.
    const attacker = browser(h, { 'x-forwarded-for': '203.0.113.99' });
    expect(reasonOf(await failure(attacker.login(username, 'yet another guess')))).toBe('ACCOUNT_LOCKED');
    const owner = browser(h, { 'x-forwarded-for': '192.0.2.1' });
    const err = await failure(owner.login(username));
    expect(reasonOf(err)).toBe('ACCOUNT_LOCKED');
    expect(err.message).toMatch(/locked/);
    attacker.close();
    owner.close();
  });
});

describe('progressive delay per account', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ TRUSTED_PROXIES: 'loopback', LOGIN_DELAY_AFTER_FAILURES: '3', LOGIN_RATE_LIMIT: '1000' });
  });
  afterAll(async () => h?.close());

  it('delays an account after its free failures, the same whether or not it exists', async () => {
    const { username } = await newUser(h);
    let ip = 20;
    const attempt = async (name: string, password = 'wrong wrong wrong') => {
      const b = browser(h, { 'x-forwarded-for': `198.51.100.${ip++}` });
      try {
        return await failure(b.login(name, password));
      } finally {
        b.close();
      }
    };
    for (const name of [username, 'ghost-account']) {
      const free: (string | undefined)[] = [];
      for (let i = 0; i < 3; i++) free.push(reasonOf(await attempt(name)));
      expect(free, name).toEqual(['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS']);
      // Past the free ones, two at once: exactly one is checked, the other waits (no timing involved).
      const pair = (await Promise.all([attempt(name), attempt(name)])).map(reasonOf).sort();
      expect(pair, name).toEqual(['INVALID_CREDENTIALS', 'RATE_LIMITED']);
    }
    // Keep guessing until the wait is long enough to test the right password inside it.
    // Refused guesses count too, so the next one let through (once a wait is over) sets a long wait.
    let wait = 0;
    for (let i = 0; i < 12 && wait < 8; i++) {
      const err = await attempt(username);
      if (reasonOf(err) !== 'RATE_LIMITED') continue;
      wait = (err.data as unknown as { retryAfter: number }).retryAfter;
      if (wait < 8) await new Promise((r) => setTimeout(r, wait * 1000 + 250));
    }
    expect(wait).toBeGreaterThanOrEqual(8);
    // The right password does not get through while the account is delayed.
    expect(reasonOf(await attempt(username, PASSWORD))).toBe('RATE_LIMITED');
  });
});
