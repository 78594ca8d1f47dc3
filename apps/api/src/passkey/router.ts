// passkey.*: adding, listing, renaming and removing passkeys; passwordless sign-in (a passkey
// with user verification counts as two factors); and step-up with a passkey instead of the
// password. passkey.authenticate is served at /api/auth (it sets the session cookies).
import { passkeyAssertionInput, passkeyAuthenticationOptionsInput, passkeyIdInput, passkeyRegisterInput, passkeyRenameInput } from '@jutsu/shared';
import { deviceIdFrom, respondSignedIn } from '../auth/cookies.ts';
import { completeSignIn } from '../auth/sign-in.ts';
import { requestActor, userActor } from '../security/actor.ts';
import type { Context } from '../trpc/context.ts';
import { appError } from '../trpc/errors.ts';
import { authedProcedure, publicProcedure, router } from '../trpc/procedures.ts';
import { sendPasskeyAddedNotice } from './notice.ts';
import { toAuthenticationResponse, toRegistrationResponse } from './schemas.ts';
import { authenticationOptions, reauthenticationOptions, registerPasskey, registrationOptions, verifyAssertion, type PasskeyRefusal } from './service.ts';

/** Minutes since the last password/passkey proof within which passkeys may be added or removed. */
export const PASSKEY_RECENT_AUTH_MINUTES = 10;

const notFound = () => appError('NOT_FOUND', 'PASSKEY_NOT_FOUND', 'No such passkey.');

/** Writes why a ceremony was refused (and whose passkey it was, when known) into the audit note. */
function refuse(ctx: Context, r: PasskeyRefusal): never {
  const { why, error, passkeyId, user } = r.audit;
  ctx.audit.details = { ...ctx.audit.details, ...(passkeyId !== undefined ? { passkeyId } : {}), why, ...(error !== undefined ? { error } : {}) };
  if (user) {
    ctx.audit.userId = user.id;
    ctx.audit.username = user.username;
  }
  throw r.error;
}

export const passkeyRouter = router({
  /** Options for startRegistration(); stores a challenge bound to the caller (5 minutes). */
  registrationOptions: authedProcedure
    .meta({ rateLimit: 'sensitive', audit: false, recentAuthMinutes: PASSKEY_RECENT_AUTH_MINUTES })
    .mutation(({ ctx }) => registrationOptions(ctx.services, userActor(ctx))),

  /** Verifies startRegistration()'s result and stores the passkey; tells the owner. */
  register: authedProcedure
    .meta({ rateLimit: 'sensitive', audit: 'passkey.added', recentAuthMinutes: PASSKEY_RECENT_AUTH_MINUTES })
    .input(passkeyRegisterInput)
    .mutation(async ({ ctx, input }) => {
      const actor = userActor(ctx);
      const added = await registerPasskey(ctx.services, actor, { response: toRegistrationResponse(input.response), name: input.name });
      if (!added.ok) refuse(ctx, added);
      const { passkey } = added;
      ctx.audit.severity = 'warning';
      ctx.audit.details = { passkeyId: passkey.id, name: passkey.name, deviceType: passkey.deviceType, backedUp: passkey.backedUp, aaguid: passkey.aaguid };
      const user = await ctx.services.prisma.user.findUniqueOrThrow({ where: { id: ctx.auth.userId } });
      sendPasskeyAddedNotice(ctx.services, actor, { user, passkeyName: passkey.name });
      return { id: passkey.id, name: passkey.name, createdAt: passkey.createdAt, deviceType: passkey.deviceType, backedUp: passkey.backedUp };
    }),

  /**
   * Options for startAuthentication(). No username: discoverable credential (passwordless,
   * the authenticator picks the account). With a username: that account's credentials.
   */
  authenticationOptions: publicProcedure
    .meta({ rateLimit: 'passkeyLogin', audit: false })
    .input(passkeyAuthenticationOptionsInput)
    .mutation(({ ctx, input }) => authenticationOptions(ctx.services, { username: input?.username })),

  /**
   * Passkey sign-in: the same result as a completed auth.login. Not subject to the password
   * lockout or the per-account password throttle (own rate-limit bucket); a disabled account
   * is still refused.
   */
  authenticate: publicProcedure
    .meta({ rateLimit: 'passkeyLogin', audit: 'auth.login' })
    .input(passkeyAssertionInput)
    .mutation(async ({ ctx, input }) => {
      ctx.audit.details = { method: 'passkey' };
      const actor = requestActor(ctx);
      const verified = await verifyAssertion(ctx.services, actor, toAuthenticationResponse(input.response));
      if (!verified.ok) refuse(ctx, verified);
      const { passkey, user } = verified;
      ctx.audit.details = { method: 'passkey', passkeyId: passkey.id };
      ctx.audit.userId = user.id;
      ctx.audit.username = user.username;
      // Only the passkey's holder learns why the account cannot sign in.
      if (user.disabledAt) throw appError('FORBIDDEN', 'ACCOUNT_DISABLED', 'This account is disabled. Ask an administrator.');
      return respondSignedIn(ctx, await completeSignIn(ctx.services, actor, { user, amr: ['passkey'], passkeyId: passkey.id, deviceId: deviceIdFrom(ctx) }));
    }),

  /** Step-up options for the signed-in user (their own passkeys). */
  reauthenticationOptions: authedProcedure.meta({ rateLimit: 'sensitive', audit: false }).mutation(({ ctx }) => reauthenticationOptions(ctx.services, userActor(ctx))),

  /** Step-up with a passkey: like auth.reauthenticate, renews this session's proof of presence. */
  reauthenticate: authedProcedure
    .meta({ rateLimit: 'sensitive', audit: 'auth.reauthenticated' })
    .input(passkeyAssertionInput)
    .mutation(async ({ ctx, input }) => {
      ctx.audit.details = { method: 'passkey' };
      const verified = await verifyAssertion(ctx.services, userActor(ctx), toAuthenticationResponse(input.response));
      if (!verified.ok) refuse(ctx, verified);
      const { passkey, user } = verified;
      ctx.audit.userId = user.id;
      ctx.audit.username = user.username;
      const authTime = new Date();
      await ctx.services.prisma.session.update({ where: { id: ctx.auth.sessionId }, data: { authTime } });
      ctx.audit.details = { method: 'passkey', passkeyId: passkey.id };
      return { authTime };
    }),

  list: authedProcedure.meta({ rateLimit: 'api', audit: false }).query(async ({ ctx }) => {
    const rows = await ctx.services.prisma.passkey.findMany({ where: { userId: ctx.auth.userId }, orderBy: { createdAt: 'asc' } });
    return rows.map((p) => ({
      id: p.id,
      name: p.name,
      createdAt: p.createdAt,
      lastUsedAt: p.lastUsedAt,
      deviceType: p.deviceType as 'singleDevice' | 'multiDevice',
      backedUp: p.backedUp,
      transports: p.transports,
      aaguid: p.aaguid,
    }));
  }),

  rename: authedProcedure
    .meta({ rateLimit: 'sensitive', audit: 'passkey.renamed' })
    .input(passkeyRenameInput)
    .mutation(async ({ ctx, input }) => {
      // Another user's passkey id is indistinguishable from a missing one.
      const res = await ctx.services.prisma.passkey.updateMany({ where: { id: input.id, userId: ctx.auth.userId }, data: { name: input.name } });
      if (res.count !== 1) throw notFound();
      ctx.audit.details = { passkeyId: input.id, name: input.name };
      return { id: input.id, name: input.name };
    }),

  remove: authedProcedure
    .meta({ rateLimit: 'sensitive', audit: 'passkey.removed', recentAuthMinutes: PASSKEY_RECENT_AUTH_MINUTES })
    .input(passkeyIdInput)
    .mutation(async ({ ctx, input }) => {
      const { prisma } = ctx.services;
      const passkey = await prisma.passkey.findFirst({ where: { id: input.id, userId: ctx.auth.userId } });
      if (!passkey) throw notFound();
      const user = await prisma.user.findUniqueOrThrow({ where: { id: ctx.auth.userId }, select: { passwordHash: true } });
      if (!user.passwordHash && (await prisma.passkey.count({ where: { userId: ctx.auth.userId } })) <= 1) {
        throw appError('BAD_REQUEST', 'LAST_SIGN_IN_METHOD', 'This is the only way to sign in to this account. Add another passkey or set a password first.');
      }
      const res = await prisma.passkey.deleteMany({ where: { id: passkey.id, userId: ctx.auth.userId } });
      if (res.count !== 1) throw notFound();
      // What the passkey opened ends with it (someone may have added it to keep access), except
      // the session doing the removal: it has just proved itself again (step-up).
      const ended = await ctx.services.sessions.revoke({ passkeyId: passkey.id, exceptSessionId: ctx.auth.sessionId }, 'passkey_removed');
      ctx.audit.severity = 'warning';
      ctx.audit.details = { passkeyId: passkey.id, name: passkey.name, sessionsEnded: ended.length };
      return { ok: true as const, sessionsEnded: ended.length };
    }),
});
