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

  it('lets at most one of two simultaneous refreshes with the same token succeed', async () => {
    const { username } = await newUser(h);
    const b = browser(h);
    await b.login(username);
    const token = b.jar.get(REFRESH_COOKIE)!;
    const one = browser(h);
    const two = browser(h);
    one.jar.set(REFRESH_COOKIE, token);
    two.jar.set(REFRESH_COOKIE, token);
    const results = await Promise.allSettled([one.client.auth.refresh.mutate(), two.client.auth.refresh.mutate()]);
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeLessThanOrEqual(1);
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

  it('sends a new-device notice whose single-use link revokes everything and forces a new password', async () => {
    const { username, user } = await newUser(h, { email: `${`n${Date.now()}`}@jutsu.test` });
    const first = browser(h);
    await first.login(username);
    const second = browser(h); // no device cookie: a new device
    await second.login(username);
    const mail = await smtp.waitFor(new RegExp(`Your account ${username} was just signed in from a new device`));
    expect(mail.to).toEqual([user.email]);
    const token = /\/not-me\/([A-Za-z0-9_-]+)/.exec(mailText(mail.raw))![1]!;
    secrets.push(token);
    // The owner's old passkey, and one the intruder added after signing in.
    const pk = (name: string, createdAt: Date) =>
      h.services.prisma.passkey.create({ data: { userId: user.id, credentialId: Buffer.from(name), publicKey: Buffer.from('k'), deviceType: 'singleDevice', name, createdAt } });
    await pk('owners-key', new Date(Date.now() - 86_400_000));
    await pk('intruders-key', new Date());
    const stranger = browser(h);
    await stranger.client.auth.reportNotMe.mutate({ token });
    expect((await h.services.prisma.passkey.findMany({ where: { userId: user.id } })).map((p) => p.name)).toEqual(['owners-key']);
    expect(reasonOf(await failure(first.client.auth.me.query()))).toBe('SESSION_REVOKED');
    expect(reasonOf(await failure(second.client.auth.me.query()))).toBe('SESSION_REVOKED');
    expect((await failure(stranger.client.auth.reportNotMe.mutate({ token }))).data?.code).toBe('NOT_FOUND');
    // Signing in again works, but nothing else until the password is changed.
    const back = browser(h);
    const res = await back.login(username);
    expect(res.status === 'ok' && res.user.mustChangePassword).toBe(true);
    expect(reasonOf(await failure(back.client.auth.sessions.query()))).toBe('PASSWORD_CHANGE_REQUIRED');
    await back.client.auth.changePassword.mutate({ currentPassword: PASSWORD, newPassword: 'quartz lemon bicycle thunder' });
    expect((await back.client.auth.sessions.query()).length).toBe(1);
    const critical = await h.services.prisma.securityEvent.findFirstOrThrow({ where: { type: 'auth.not_me' } });
    expect(critical.severity).toBe('critical');
    for (const c of [first, second, stranger, back]) c.close();
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

  it('locks the account after the threshold even when attempts come from many addresses; only the owner learns why', async () => {
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
    const attacker = browser(h, { 'x-forwarded-for': '203.0.113.99' });
    expect(reasonOf(await failure(attacker.login(username, 'yet another guess')))).toBe('INVALID_CREDENTIALS');
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
    for (const name of [username, 'ghost-account']) {
      const results: (string | undefined)[] = [];
      for (let i = 0; i < 5; i++) {
        const b = browser(h, { 'x-forwarded-for': `198.51.100.${20 + i}` });
        results.push(reasonOf(await failure(b.login(name, 'wrong wrong wrong'))));
        b.close();
      }
      expect(results, name).toEqual(['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'RATE_LIMITED']);
    }
    // The right password does not get through while the account is delayed.
    const b = browser(h);
    expect(reasonOf(await failure(b.login(username)))).toBe('RATE_LIMITED');
    b.close();
  });
});
