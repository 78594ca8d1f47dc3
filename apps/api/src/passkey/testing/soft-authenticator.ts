// A software authenticator plus the browser's part of a ceremony, for tests without a
// browser: real ECDSA P-256 keys (node:crypto), a real "none" attestation object and real
// assertion signatures, in exactly the JSON shape @simplewebauthn/browser's
// startRegistration()/startAuthentication() produce. Tests can set the origin, the RP ID,
// the user-verified flag and the signature counter, so abuse cases are real cryptographic
// responses the server must refuse on its own judgement. (The e2e suite uses Chromium's
// virtual authenticator instead.) The CBOR and COSE encoding is written here on purpose,
// independent of the library under test.
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

// ───────────────────────────── a tiny CBOR encoder (RFC 8949, definite lengths) ─────────────────────────────

type CborValue = number | string | Uint8Array | CborValue[] | Map<CborValue, CborValue> | { [k: string]: CborValue };

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) {
    const b = Buffer.alloc(3);
    b[0] = (major << 5) | 25;
    b.writeUInt16BE(n, 1);
    return b;
  }
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

export function cborEncode(v: CborValue): Buffer {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || Math.abs(v) > 0xffffffff) throw new Error('only 32-bit integers are supported');
    return v >= 0 ? head(0, v) : head(1, -1 - v);
  }
  if (typeof v === 'string') {
    const bytes = Buffer.from(v, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (v instanceof Uint8Array) return Buffer.concat([head(2, v.length), Buffer.from(v)]);
  if (Array.isArray(v)) return Buffer.concat([head(4, v.length), ...v.map(cborEncode)]);
  const entries: [CborValue, CborValue][] = v instanceof Map ? [...v.entries()] : Object.entries(v);
  return Buffer.concat([head(5, entries.length), ...entries.flatMap(([k, val]) => [cborEncode(k), cborEncode(val)])]);
}

// ───────────────────────────── the authenticator ─────────────────────────────

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();
const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');

export interface SoftCredential {
  id: Buffer;
  rpId: string;
  userHandle: Buffer;
  privateKeyPem: string;
  /** The signature counter, as the authenticator keeps it. */
  counter: number;
}

/** What the test controls in one ceremony (defaults: what an honest browser and authenticator do). */
export interface CeremonyOverrides {
  /** clientDataJSON.origin (the page the browser says the ceremony ran on). */
  origin?: string;
  /** The RP ID whose hash goes into authenticator data. */
  rpId?: string;
  /** The UV flag (default true). */
  userVerified?: boolean;
  /** The signature counter to report (default: the next one, or 0 for a counter-less authenticator). */
  counter?: number;
  /** clientDataJSON.challenge (default: the options' challenge). */
  challenge?: string;
}

export interface AssertionOverrides extends CeremonyOverrides {
  /** Which of this authenticator's credentials to use (base64url id); default: the first allowed. */
  credentialId?: string;
  /** userHandle to report: a base64url string, or null to omit it (default: the credential's). */
  userHandle?: string | null;
  /** Sign with this key instead of the credential's (a forgery). */
  signingKey?: KeyObject;
}

/** What the browser would throw (a DOMException of this name). */
export class SoftAuthenticatorError extends Error {
  constructor(kind: 'NotAllowedError' | 'InvalidStateError', message: string) {
    super(message);
    this.name = kind;
  }
}

export interface SoftAuthenticatorOptions {
  /** The page's origin (default http://app.test, the harness's). */
  origin?: string;
  aaguid?: Uint8Array;
  /** Backup eligible / backed up flags (a synced passkey): default false (a device-bound key). */
  backupEligible?: boolean;
  backedUp?: boolean;
  /** false = an authenticator that always reports counter 0 (as many synced passkeys do). */
  useCounter?: boolean;
  transports?: string[];
  /** Length of the credential ids it makes (real authenticators use 16 to 64 bytes and more): default 32. */
  credentialIdBytes?: number;
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];
  readonly origin: string;
  private readonly aaguid: Buffer;
  private readonly opts: Required<Omit<SoftAuthenticatorOptions, 'origin' | 'aaguid' | 'credentialIdBytes'>>;
  private readonly idBytes: number;

  constructor(opts: SoftAuthenticatorOptions = {}) {
    this.origin = opts.origin ?? 'http://app.test';
    this.aaguid = Buffer.from(opts.aaguid ?? Buffer.alloc(16));
    this.idBytes = opts.credentialIdBytes ?? 32;
    if (this.aaguid.length !== 16) throw new Error('an AAGUID is 16 bytes');
    this.opts = {
      backupEligible: opts.backupEligible ?? false,
      backedUp: opts.backedUp ?? false,
      useCounter: opts.useCounter ?? true,
      transports: opts.transports ?? ['internal', 'hybrid'],
    };
  }

  /** A second authenticator holding copies of the same keys and counters (a cloned device). */
  clone(): SoftAuthenticator {
    const copy = new SoftAuthenticator({ origin: this.origin, aaguid: this.aaguid, ...this.opts });
    for (const c of this.credentials) copy.credentials.push({ ...c, id: Buffer.from(c.id), userHandle: Buffer.from(c.userHandle) });
    return copy;
  }

  private flags(uv: boolean, extra = 0): number {
    let f = FLAG_UP | extra;
    if (uv) f |= FLAG_UV;
    if (this.opts.backupEligible) f |= FLAG_BE;
    if (this.opts.backedUp) f |= FLAG_BS;
    return f;
  }

  private clientData(type: 'webauthn.create' | 'webauthn.get', challenge: string, o: CeremonyOverrides): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge: o.challenge ?? challenge, origin: o.origin ?? this.origin, crossOrigin: false }), 'utf8');
  }

  /** navigator.credentials.create() + startRegistration(): a new ES256 credential, "none" attestation. */
  createCredential(options: PublicKeyCredentialCreationOptionsJSON, o: CeremonyOverrides = {}): RegistrationResponseJSON {
    const rpId = options.rp.id ?? new URL(this.origin).hostname;
    if (!options.pubKeyCredParams.some((p) => p.alg === -7)) throw new SoftAuthenticatorError('NotAllowedError', 'ES256 not offered');
    const excluded = new Set((options.excludeCredentials ?? []).map((c) => c.id));
    if (this.credentials.some((c) => c.rpId === rpId && excluded.has(b64url(c.id)))) {
      throw new SoftAuthenticatorError('InvalidStateError', 'this authenticator is already registered');
    }
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = cborEncode(
      new Map<CborValue, CborValue>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
    const id = randomBytes(this.idBytes);
    const counter = o.counter ?? 0;
    const credIdLen = Buffer.alloc(2);
    credIdLen.writeUInt16BE(id.length);
    const counterBytes = Buffer.alloc(4);
    counterBytes.writeUInt32BE(counter);
    const authData = Buffer.concat([
      sha256(o.rpId ?? rpId),
      Buffer.from([this.flags(o.userVerified ?? true, FLAG_AT)]),
      counterBytes,
      this.aaguid,
      credIdLen,
      id,
      cose,
    ]);
    const attestationObject = cborEncode({ fmt: 'none', attStmt: {}, authData });
    this.credentials.push({
      id,
      rpId,
      userHandle: Buffer.from(options.user.id, 'base64url'),
      privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      counter,
    });
    return {
      id: b64url(id),
      rawId: b64url(id),
      type: 'public-key',
      response: {
        clientDataJSON: b64url(this.clientData('webauthn.create', options.challenge, o)),
        attestationObject: b64url(attestationObject),
        transports: this.opts.transports,
        publicKeyAlgorithm: -7,
        publicKey: b64url(publicKey.export({ format: 'der', type: 'spki' })),
        authenticatorData: b64url(authData),
      },
      clientExtensionResults: { credProps: { rk: true } },
      authenticatorAttachment: 'platform',
    };
  }

  /** navigator.credentials.get() + startAuthentication(): an assertion signed by the credential's key. */
  getAssertion(options: PublicKeyCredentialRequestOptionsJSON, o: AssertionOverrides = {}): AuthenticationResponseJSON {
    const rpId = options.rpId ?? new URL(this.origin).hostname;
    const allowed = new Set((options.allowCredentials ?? []).map((c) => c.id));
    const candidates = this.credentials.filter((c) => c.rpId === rpId && (allowed.size === 0 || allowed.has(b64url(c.id))));
    const cred = o.credentialId ? this.credentials.find((c) => b64url(c.id) === o.credentialId) : candidates[0];
    if (!cred) throw new SoftAuthenticatorError('NotAllowedError', 'no credential for this request');
    if (o.counter !== undefined) cred.counter = o.counter;
    else if (this.opts.useCounter) cred.counter += 1;
    const counterBytes = Buffer.alloc(4);
    counterBytes.writeUInt32BE(this.opts.useCounter || o.counter !== undefined ? cred.counter : 0);
    const authData = Buffer.concat([sha256(o.rpId ?? rpId), Buffer.from([this.flags(o.userVerified ?? true)]), counterBytes]);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, o);
    const key = o.signingKey ?? createPrivateKey(cred.privateKeyPem);
    // ES256 signatures are ASN.1 DER, over authenticatorData || SHA-256(clientDataJSON).
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), key);
    const userHandle = o.userHandle === undefined ? b64url(cred.userHandle) : (o.userHandle ?? undefined);
    return {
      id: b64url(cred.id),
      rawId: b64url(cred.id),
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(userHandle !== undefined ? { userHandle } : {}),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}

/** An unrelated P-256 key, for forged signatures. */
export function strangerKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}
