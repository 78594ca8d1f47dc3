// The security log as the API writes it, over real HTTP: hostile strings, anonymous floods,
// page loads without a session, and the checkpoints it publishes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFRESH_COOKIE } from '../auth/cookies.ts';
import { failure, reasonOf, TestBrowser } from '../testing/browser.ts';
import { createClient, startHarness, TEST_ORIGIN, type Harness } from '../testing/harness.ts';
import { appRouter } from '../trpc/app-router.ts';
import { authedProcedure, publicProcedure, router } from '../trpc/procedures.ts';
import { CHECKPOINT_MESSAGE, parseCheckpoints, SUPPRESSED_EVENT } from './security-events.ts';

const probeRouter = router({
  ...appRouter._def.record,
  probe: router({
    // A handler that puts what the caller sent into the event's details.
    echo: publicProcedure
      .meta({ rateLimit: false, audit: 'probe.echo' })
      .input((v: unknown) => v as { note: string; key: string })
      .mutation(({ input, ctx }) => {
        ctx.audit.details = { note: input.note, [input.key]: { inner: input.note } };
        return 'ok';
      }),
    private: authedProcedure.meta({ rateLimit: false, audit: false }).query(() => 'secret'),
  }),
});

describe('security log over HTTP', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ SECURITY_LOG_EVENTS_PER_ADDRESS_MINUTE: '10', SECURITY_LOG_CHECKPOINT_EVERY: '2' }, { router: probeRouter });
  });
  afterAll(async () => h?.close());

  it('stores a sign-in with a lone-surrogate username, and the chain still verifies', async () => {
    const b = new TestBrowser(h);
    const err = await failure(b.client.auth.login.mutate({ username: 'mallory\uD800', password: 'lantern orbit cactus meadow' }));
    expect(reasonOf(err)).toBe('INVALID_CREDENTIALS');
    const row = await h.db.prisma.securityEvent.findFirstOrThrow({ where: { type: 'auth.login' }, orderBy: { id: 'desc' } });
    expect(row.username).toBe('mallory\uFFFD');
    expect(await h.services.securityEvents.verify()).toMatchObject({ ok: true, problems: [] });
    b.close();
  });

  it('stores details with NUL and lone surrogates in keys and values, and the chain still verifies', async () => {
    const { client, close } = createClient<typeof probeRouter>(h);
    await client.probe.echo.mutate({ note: 'a\u0000b\uDC00c', key: 'k\u0000\uD800' });
    await h.services.securityEvents.settled(); // success notes are written just after the answer
    const row = await h.db.prisma.securityEvent.findFirstOrThrow({ where: { type: 'probe.echo' } });
    expect(row.details).toMatchObject({ note: 'ab\uFFFDc', 'k\uFFFD': { inner: 'ab\uFFFDc' } });
    expect(await h.services.securityEvents.verify()).toMatchObject({ ok: true });
    close();
  });

  it('writes no row for a refresh without a cookie, but still one for a bad cookie', async () => {
    const before = await h.db.prisma.securityEvent.count({ where: { type: 'auth.refresh' } });
    const b = new TestBrowser(h);
    expect(reasonOf(await failure(b.client.auth.refresh.mutate()))).toBe('SESSION_REVOKED');
    expect(reasonOf(await failure(b.client.auth.refresh.mutate()))).toBe('SESSION_REVOKED');
    expect(await h.db.prisma.securityEvent.count({ where: { type: 'auth.refresh' } })).toBe(before);
    b.jar.set(REFRESH_COOKIE, 'not-a-real-token');
    expect(reasonOf(await failure(b.client.auth.refresh.mutate()))).toBe('SESSION_REVOKED');
    expect(await h.db.prisma.securityEvent.count({ where: { type: 'auth.refresh' } })).toBe(before + 1);
    b.close();
  });

  it('publishes the head as a checkpoint log line that verify accepts', async () => {
    const lines = h.logs.filter((l) => l.includes(CHECKPOINT_MESSAGE));
    expect(lines.length).toBeGreaterThan(0);
    const checkpoints = parseCheckpoints(lines.join('\n'));
    expect(checkpoints.length).toBe(lines.length);
    expect(await h.services.securityEvents.verify({ checkpoints })).toMatchObject({ ok: true });
  });

  it('a flood of anonymous bad requests from one address writes a bounded number of rows', async () => {
    const before = await h.db.prisma.securityEvent.count();
    const responses = await Promise.all(
      Array.from({ length: 60 }, () =>
        fetch(`${h.url}/api/trpc/probe.private`, { headers: { origin: TEST_ORIGIN, authorization: 'Bearer forged.token.value' } }).then((r) => r.status),
      ),
    );
    expect(new Set(responses)).toEqual(new Set([401]));
    const written = (await h.db.prisma.securityEvent.count()) - before;
    expect(written).toBeLessThanOrEqual(10);
    await h.services.securityEvents.flushSuppressed(true);
    await h.services.securityEvents.settled(); // success notes are written just after the answer
    const summary = await h.db.prisma.securityEvent.findFirstOrThrow({ where: { type: SUPPRESSED_EVENT } });
    const d = summary.details as { suppressed: number; byType: Record<string, number> };
    expect(d.suppressed).toBe(60 - written);
    expect(d.byType['token.invalid']).toBe(60 - written);
    expect(await h.services.securityEvents.verify()).toMatchObject({ ok: true });
  });
});
