// Passkey ceremonies on top of @simplewebauthn/server: options (with a stored challenge),
// verification, clone detection and the stored credentials.
import { createHmac, randomBytes } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Passkey, PrismaClient, User } from '@jutsu/db';
import type { AuthedContext, Context } from '../trpc/context.ts';
import { appError } from '../trpc/errors.ts';
import { challengeFromClientData, CHALLENGE_TTL_MS, consumeChallenge, storeChallenge, type ChallengePurpose } from './challenges.ts';
import { knownTransports } from './schemas.ts';
import { relyingParty } from './webauthn-config.ts';

/** EdDSA, ES256, RS256: what authenticators in use today create. */
export const SUPPORTED_ALGORITHMS = [-8, -7, -257];
export const MAX_PASSKEYS_PER_USER = 25;

const bytes = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);
const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
const clip = (s: string) => s.slice(0, 200);

function challengeInvalid() {
  return appError('BAD_REQUEST', 'CHALLENGE_INVALID', 'This passkey request has expired or was already used. Try again.');
}
function passkeyInvalid() {
  // One answer for unknown credential, wrong account, bad signature, wrong origin/RP, clone.
  return appError('UNAUTHORIZED', 'PASSKEY_INVALID', 'This passkey could not be verified.');
}
function note(ctx: Context, details: Record<string, unknown>) {
  ctx.audit.details = { ...ctx.audit.details, ...details };
}

/** The random user handle given to authenticators (never the database id), created on first use. */
async function withWebauthnUserId(prisma: PrismaClient, userId: string): Promise<User & { webauthnUserId: Uint8Array }> {
  let user = await prisma.user.findUniqueOrThrow({ where: { id: userId } });
  if (!user.webauthnUserId) {
    await prisma.user.updateMany({ where: { id: userId, webauthnUserId: null }, data: { webauthnUserId: bytes(randomBytes(32)) } });
    user = await prisma.user.findUniqueOrThrow({ where: { id: userId } });
  }
  return user as User & { webauthnUserId: Uint8Array };
}

// ───────────────────────────── registration ─────────────────────────────

export async function registrationOptions(ctx: AuthedContext): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const { prisma, config } = ctx.services;
  const rp = relyingParty(config);
  const user = await withWebauthnUserId(prisma, ctx.auth.userId);
  const existing = await prisma.passkey.findMany({ where: { userId: user.id }, select: { credentialId: true, transports: true } });
  if (existing.length >= MAX_PASSKEYS_PER_USER) {
    throw appError('BAD_REQUEST', 'PASSKEY_LIMIT', `An account can have at most ${MAX_PASSKEYS_PER_USER} passkeys. Remove one first.`);
  }
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.username,
    userDisplayName: user.username,
    userID: bytes(user.webauthnUserId),
    challenge: bytes(randomBytes(32)),
    timeout: CHALLENGE_TTL_MS,
    attestationType: 'none',
    // The same authenticator cannot be registered twice.
    excludeCredentials: existing.map((p) => ({ id: b64url(p.credentialId), transports: p.transports })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
  });
  await storeChallenge(prisma, options.challenge, 'registration', user.id, { replacePending: true });
  return options;
}

export async function registerPasskey(ctx: AuthedContext, response: RegistrationResponseJSON, name: string): Promise<Passkey> {
  const { prisma, config } = ctx.services;
  const rp = relyingParty(config);
  const presented = challengeFromClientData(response.response.clientDataJSON);
  const challenge = presented ? await consumeChallenge(prisma, presented, ['registration'], ctx.auth.userId) : null;
  if (!challenge) {
    note(ctx, { why: 'challenge' });
    throw challengeInvalid();
  }
  let verification;
  try {
    verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge.challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      requireUserPresence: true,
      requireUserVerification: true,
      supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
    });
  } catch (err) {
    note(ctx, { why: 'verification', error: clip(err instanceof Error ? err.message : 'unknown') });
    throw appError('BAD_REQUEST', 'PASSKEY_INVALID', 'This passkey could not be verified.');
  }
  if (!verification.verified || verification.registrationInfo.credential.id !== response.id) {
    note(ctx, { why: 'attestation' });
    throw appError('BAD_REQUEST', 'PASSKEY_INVALID', 'This passkey could not be verified.');
  }
  const info = verification.registrationInfo;
  if ((await prisma.passkey.count({ where: { userId: ctx.auth.userId } })) >= MAX_PASSKEYS_PER_USER) {
    throw appError('BAD_REQUEST', 'PASSKEY_LIMIT', `An account can have at most ${MAX_PASSKEYS_PER_USER} passkeys. Remove one first.`);
  }
  try {
    return await prisma.passkey.create({
      data: {
        userId: ctx.auth.userId,
        credentialId: bytes(Buffer.from(info.credential.id, 'base64url')),
        publicKey: bytes(info.credential.publicKey),
        counter: BigInt(info.credential.counter),
        transports: knownTransports(info.credential.transports),
        deviceType: info.credentialDeviceType,
        backedUp: info.credentialBackedUp,
        aaguid: info.aaguid,
        name,
      },
    });
  } catch (err) {
    if ((err as { code?: string }).code === 'P2002') {
      note(ctx, { why: 'duplicate' });
      throw appError('CONFLICT', 'PASSKEY_EXISTS', 'This passkey is already registered.');
    }
    throw err;
  }
}

// ───────────────────────────── authentication ─────────────────────────────

/** A stable, meaningless credential id for a name that has no passkeys (hides which names do). */
function decoyCredentialId(decoyKey: Buffer, username: string): string {
  return createHmac('sha256', decoyKey).update(username).digest().subarray(0, 32).toString('base64url');
}

/**
 * Sign-in options. Without a username: a discoverable-credential request (the authenticator
 * offers the passkeys it holds for this site). With one: the challenge is bound to that
 * account and lists its credentials; a name without passkeys (or unknown) gets a decoy list
 * of the same shape and a challenge that can never succeed.
 */
export async function authenticationOptions(ctx: Context, username: string | undefined): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const { prisma, config } = ctx.services;
  const rp = relyingParty(config);
  let purpose: ChallengePurpose = 'login';
  let userId: string | null = null;
  let allowCredentials: { id: string }[] | undefined;
  if (username !== undefined) {
    const name = username.normalize('NFKC').toLowerCase();
    const user = await prisma.user.findUnique({ where: { username: name }, select: { id: true, passkeys: { select: { credentialId: true }, orderBy: { createdAt: 'asc' } } } });
    if (user && user.passkeys.length > 0) {
      userId = user.id;
      // No transports here: they would tell a real list from a decoy.
      allowCredentials = user.passkeys.map((p) => ({ id: b64url(p.credentialId) }));
    } else {
      purpose = 'login_decoy';
      allowCredentials = [{ id: decoyCredentialId(rp.decoyKey, name) }];
    }
  }
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    challenge: bytes(randomBytes(32)),
    timeout: CHALLENGE_TTL_MS,
    userVerification: 'required',
    ...(allowCredentials ? { allowCredentials } : {}),
  });
  await storeChallenge(prisma, options.challenge, purpose, userId);
  return options;
}

/** Step-up options: the signed-in user's own passkeys, challenge bound to them. */
export async function reauthenticationOptions(ctx: AuthedContext): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const { prisma, config } = ctx.services;
  const rp = relyingParty(config);
  const passkeys = await prisma.passkey.findMany({ where: { userId: ctx.auth.userId }, select: { credentialId: true, transports: true }, orderBy: { createdAt: 'asc' } });
  if (passkeys.length === 0) throw appError('NOT_FOUND', 'PASSKEY_NOT_FOUND', 'This account has no passkey. Confirm with your password instead.');
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    challenge: bytes(randomBytes(32)),
    timeout: CHALLENGE_TTL_MS,
    userVerification: 'required',
    allowCredentials: passkeys.map((p) => ({ id: b64url(p.credentialId), transports: p.transports })),
  });
  await storeChallenge(prisma, options.challenge, 'reauth', ctx.auth.userId, { replacePending: true });
  return options;
}

/**
 * Verifies an assertion against a stored challenge and credential, then moves the counter.
 * `signedInUserId` set = step-up of that user's session; unset = sign-in.
 * Order matters: the challenge is consumed first (one attempt per challenge, replay-proof
 * under races), the signature is checked before the counter (so only the key holder can
 * raise a clone alarm), and the counter moves with a conditional update.
 */
export async function verifyAssertion(
  ctx: Context,
  response: AuthenticationResponseJSON,
  signedInUserId?: string,
): Promise<{ passkey: Passkey; user: User }> {
  const { prisma, config, securityEvents } = ctx.services;
  const rp = relyingParty(config);
  const presented = challengeFromClientData(response.response.clientDataJSON);
  const challenge = presented
    ? signedInUserId
      ? await consumeChallenge(prisma, presented, ['reauth'], signedInUserId)
      : await consumeChallenge(prisma, presented, ['login', 'login_decoy'])
    : null;
  if (!challenge) {
    note(ctx, { why: 'challenge' });
    throw challengeInvalid();
  }
  const found = await prisma.passkey.findUnique({ where: { credentialId: bytes(Buffer.from(response.rawId, 'base64url')) }, include: { user: true } });
  if (!found || challenge.purpose === 'login_decoy' || (challenge.userId !== null && challenge.userId !== found.userId)) {
    // Unknown credential, or another account's than the one the challenge was issued for.
    note(ctx, { why: found ? 'wrong_account' : 'unknown_credential' });
    throw passkeyInvalid();
  }
  const { user, ...passkey } = found;
  note(ctx, { passkeyId: passkey.id });
  ctx.audit.userId = user.id;
  ctx.audit.username = user.username;
  // The user handle names the account the authenticator holds this credential for; for a
  // discoverable sign-in (nobody named beforehand) it must be present.
  const handle = response.response.userHandle;
  if (challenge.userId === null && !handle) {
    note(ctx, { why: 'user_handle_missing' });
    throw passkeyInvalid();
  }
  if (handle && (!user.webauthnUserId || !Buffer.from(handle, 'base64url').equals(Buffer.from(user.webauthnUserId)))) {
    note(ctx, { why: 'user_handle_mismatch' });
    throw passkeyInvalid();
  }
  let verification;
  try {
    verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge.challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      // The counter is judged below, after the signature: the library would judge it first.
      credential: { id: response.id, publicKey: bytes(passkey.publicKey), counter: 0 },
      requireUserVerification: true,
    });
  } catch (err) {
    note(ctx, { why: 'verification', error: clip(err instanceof Error ? err.message : 'unknown') });
    throw passkeyInvalid();
  }
  if (!verification.verified) {
    note(ctx, { why: 'bad_signature' });
    throw passkeyInvalid();
  }
  const info = verification.authenticationInfo;
  const stored = passkey.counter;
  const presentedCounter = BigInt(info.newCounter);
  const counted = presentedCounter > 0n || stored > 0n;
  const cloneSuspected = async () => {
    note(ctx, { why: 'counter_regression' });
    await securityEvents.record({
      type: 'passkey.clone_suspected',
      severity: 'critical',
      userId: user.id,
      username: user.username,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      details: { passkeyId: passkey.id, name: passkey.name, storedCounter: stored.toString(), presentedCounter: presentedCounter.toString(), ceremony: signedInUserId ? 'reauth' : 'login' },
    });
    return passkeyInvalid();
  };
  // A signature counter that does not move forward means two authenticators hold this key.
  if (counted && presentedCounter <= stored) throw await cloneSuspected();
  const moved = await prisma.passkey.updateMany({
    where: { id: passkey.id, ...(counted ? { counter: { lt: presentedCounter } } : {}) },
    data: { counter: presentedCounter, lastUsedAt: new Date(), backedUp: info.credentialBackedUp, deviceType: info.credentialDeviceType },
  });
  if (moved.count !== 1) {
    // Removed meanwhile, or a higher counter was stored meanwhile.
    if (!(await prisma.passkey.findUnique({ where: { id: passkey.id }, select: { id: true } }))) {
      note(ctx, { why: 'removed' });
      throw passkeyInvalid();
    }
    throw await cloneSuspected();
  }
  return { passkey, user };
}
