// Passkey ceremonies on top of @simplewebauthn/server: options (with a stored challenge),
// verification, clone detection and the stored credentials. A refused ceremony is returned
// (the error to answer with and what the security log should say), not noted here: the
// router writes the audit note.
import type { TRPCError } from '@trpc/server';
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
import { eventBy, type RequestActor, type UserActor } from '../security/actor.ts';
import type { AppServices } from '../services.ts';
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
function registrationInvalid() {
  return appError('BAD_REQUEST', 'PASSKEY_INVALID', 'This passkey could not be verified.');
}
function passkeyInvalid() {
  // One answer for unknown credential, wrong account, bad signature, wrong origin/RP, clone.
  return appError('UNAUTHORIZED', 'PASSKEY_INVALID', 'This passkey could not be verified.');
}

export type PasskeyDeps = Pick<AppServices, 'prisma' | 'config' | 'securityEvents'>;

/** A refused ceremony: the error to answer with, and what the audit note records. */
export interface PasskeyRefusal {
  ok: false;
  error: TRPCError;
  /** why, and when known the passkey and the account it belongs to. */
  audit: { why: string; error?: string; passkeyId?: string; user?: { id: string; username: string } };
}

const refused = (error: TRPCError, audit: PasskeyRefusal['audit']): PasskeyRefusal => ({ ok: false, error, audit });

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

export async function registrationOptions(deps: PasskeyDeps, actor: UserActor): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const { prisma, config } = deps;
  const rp = relyingParty(config);
  const user = await withWebauthnUserId(prisma, actor.userId);
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

export async function registerPasskey(
  deps: PasskeyDeps,
  actor: UserActor,
  input: { response: RegistrationResponseJSON; name: string },
): Promise<{ ok: true; passkey: Passkey } | PasskeyRefusal> {
  const { prisma, config } = deps;
  const { response, name } = input;
  const rp = relyingParty(config);
  const presented = challengeFromClientData(response.response.clientDataJSON);
  const challenge = presented ? await consumeChallenge(prisma, presented, ['registration'], actor.userId) : null;
  if (!challenge) return refused(challengeInvalid(), { why: 'challenge' });
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
    return refused(registrationInvalid(), { why: 'verification', error: clip(err instanceof Error ? err.message : 'unknown') });
  }
  if (!verification.verified || verification.registrationInfo.credential.id !== response.id) {
    return refused(registrationInvalid(), { why: 'attestation' });
  }
  const info = verification.registrationInfo;
  if ((await prisma.passkey.count({ where: { userId: actor.userId } })) >= MAX_PASSKEYS_PER_USER) {
    throw appError('BAD_REQUEST', 'PASSKEY_LIMIT', `An account can have at most ${MAX_PASSKEYS_PER_USER} passkeys. Remove one first.`);
  }
  try {
    const passkey = await prisma.passkey.create({
      data: {
        userId: actor.userId,
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
    return { ok: true, passkey };
  } catch (err) {
    if ((err as { code?: string }).code === 'P2002') return refused(appError('CONFLICT', 'PASSKEY_EXISTS', 'This passkey is already registered.'), { why: 'duplicate' });
    throw err;
  }
}

// ───────────────────────────── authentication ─────────────────────────────

/** Credential-id lengths real authenticators use, for decoys before this server has any passkey. */
const COMMON_ID_LENGTHS = [16, 20, 32, 64];

/**
 * A stable, meaningless credential id for a name that has no passkeys (hides which names do).
 * Its length is one of the lengths of the credential ids registered here, chosen by the name,
 * so a decoy's size says nothing either.
 */
async function decoyCredentialId(prisma: PasskeyDeps['prisma'], decoyKey: Buffer, username: string): Promise<string> {
  const rows = await prisma.$queryRaw<{ len: number }[]>`SELECT DISTINCT octet_length(credential_id)::int AS len FROM passkeys ORDER BY len`;
  const lengths = rows.length > 0 ? rows.map((r) => r.len) : COMMON_ID_LENGTHS;
  const digest = createHmac('sha512', decoyKey).update(username).digest();
  const length = Math.min(lengths[digest[63]! % lengths.length]!, 1023);
  const blocks = [digest];
  for (let i = 1; blocks.length * 64 < length; i++) blocks.push(createHmac('sha512', decoyKey).update(`${username}\u0000${i}`).digest());
  return Buffer.concat(blocks).subarray(0, length).toString('base64url');
}

/**
 * Sign-in options. Without a username: a discoverable-credential request (the authenticator
 * offers the passkeys it holds for this site). With one: the challenge is bound to that
 * account and lists its credentials; a name without passkeys (or unknown) gets a decoy list
 * of the same shape and a challenge that can never succeed.
 */
export async function authenticationOptions(deps: PasskeyDeps, input: { username?: string | undefined }): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const { prisma, config } = deps;
  const { username } = input;
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
      allowCredentials = [{ id: await decoyCredentialId(prisma, rp.decoyKey, name) }];
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
export async function reauthenticationOptions(deps: PasskeyDeps, actor: UserActor): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const { prisma, config } = deps;
  const rp = relyingParty(config);
  const passkeys = await prisma.passkey.findMany({ where: { userId: actor.userId }, select: { credentialId: true, transports: true }, orderBy: { createdAt: 'asc' } });
  if (passkeys.length === 0) throw appError('NOT_FOUND', 'PASSKEY_NOT_FOUND', 'This account has no passkey. Confirm with your password instead.');
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    challenge: bytes(randomBytes(32)),
    timeout: CHALLENGE_TTL_MS,
    userVerification: 'required',
    allowCredentials: passkeys.map((p) => ({ id: b64url(p.credentialId), transports: p.transports })),
  });
  await storeChallenge(prisma, options.challenge, 'reauth', actor.userId, { replacePending: true });
  return options;
}

/**
 * Verifies an assertion against a stored challenge and credential, then moves the counter.
 * A signed-in actor (kind 'user') = step-up of that user's session; anonymous = sign-in.
 * Order matters: the challenge is consumed first (one attempt per challenge, replay-proof
 * under races), the signature is checked before the counter (so only the key holder can
 * raise a clone alarm), and the counter moves with a conditional update.
 */
export async function verifyAssertion(
  deps: PasskeyDeps,
  actor: RequestActor,
  response: AuthenticationResponseJSON,
): Promise<{ ok: true; passkey: Passkey; user: User } | PasskeyRefusal> {
  const { prisma, config, securityEvents } = deps;
  const signedInUserId = actor.kind === 'user' ? actor.userId : undefined;
  const rp = relyingParty(config);
  const presented = challengeFromClientData(response.response.clientDataJSON);
  const challenge = presented
    ? signedInUserId
      ? await consumeChallenge(prisma, presented, ['reauth'], signedInUserId)
      : await consumeChallenge(prisma, presented, ['login', 'login_decoy'])
    : null;
  if (!challenge) return refused(challengeInvalid(), { why: 'challenge' });
  const found = await prisma.passkey.findUnique({ where: { credentialId: bytes(Buffer.from(response.rawId, 'base64url')) }, include: { user: true } });
  if (!found || challenge.purpose === 'login_decoy' || (challenge.userId !== null && challenge.userId !== found.userId)) {
    // Unknown credential, or another account's than the one the challenge was issued for.
    return refused(passkeyInvalid(), { why: found ? 'wrong_account' : 'unknown_credential' });
  }
  const { user, ...passkey } = found;
  const invalid = (why: string, error?: string) =>
    refused(passkeyInvalid(), { why, passkeyId: passkey.id, user: { id: user.id, username: user.username }, ...(error !== undefined ? { error } : {}) });
  // The user handle names the account the authenticator holds this credential for; for a
  // discoverable sign-in (nobody named beforehand) it must be present.
  const handle = response.response.userHandle;
  if (challenge.userId === null && !handle) {
    return invalid('user_handle_missing');
  }
  if (handle && (!user.webauthnUserId || !Buffer.from(handle, 'base64url').equals(Buffer.from(user.webauthnUserId)))) {
    return invalid('user_handle_mismatch');
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
    return invalid('verification', clip(err instanceof Error ? err.message : 'unknown'));
  }
  if (!verification.verified) {
    return invalid('bad_signature');
  }
  const info = verification.authenticationInfo;
  const stored = passkey.counter;
  const presentedCounter = BigInt(info.newCounter);
  const counted = presentedCounter > 0n || stored > 0n;
  const cloneSuspected = async () => {
    await securityEvents.record(
      eventBy(actor, {
        type: 'passkey.clone_suspected',
        severity: 'critical',
        userId: user.id,
        username: user.username,
        details: { passkeyId: passkey.id, name: passkey.name, storedCounter: stored.toString(), presentedCounter: presentedCounter.toString(), ceremony: signedInUserId ? 'reauth' : 'login' },
      }),
    );
    return invalid('counter_regression');
  };
  // A signature counter that does not move forward means two authenticators hold this key.
  if (counted && presentedCounter <= stored) return cloneSuspected();
  const moved = await prisma.passkey.updateMany({
    where: { id: passkey.id, ...(counted ? { counter: { lt: presentedCounter } } : {}) },
    data: { counter: presentedCounter, lastUsedAt: new Date(), backedUp: info.credentialBackedUp, deviceType: info.credentialDeviceType },
  });
  if (moved.count !== 1) {
    // Removed meanwhile, or a higher counter was stored meanwhile.
    if (!(await prisma.passkey.findUnique({ where: { id: passkey.id }, select: { id: true } }))) {
      return invalid('removed');
    }
    return cloneSuspected();
  }
  return { ok: true, passkey, user };
}
