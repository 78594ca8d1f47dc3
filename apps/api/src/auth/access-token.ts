// Access tokens: HS256 JWTs (jose), 15 minutes, with jti and type 'access'. The signing key
// is derived from SECRET_KEY with HKDF so SECRET_KEY itself signs nothing directly.
import { createHash, hkdfSync, randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { Role } from '@jutsu/shared';

const ISSUER = 'jutsu-labs';
const AUDIENCE = 'jutsu-labs-api';
/** jose's clockTolerance, in seconds; a remembered token is held to the same expiry rule. */
const CLOCK_TOLERANCE_S = 5;
const MAX_REMEMBERED = 10_000;

export interface AccessClaims {
  sub: string;
  sid: string;
  role: Role;
  jti: string;
  exp: number;
  iat: number;
}

export type TokenFailure = 'expired' | 'invalid';

export class TokenError extends Error {
  constructor(readonly kind: TokenFailure) {
    super(kind === 'expired' ? 'token expired' : 'token invalid');
    this.name = 'TokenError';
  }
}

export function deriveKey(secret: string, purpose: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), `jutsu:${purpose}`, 32));
}

export class AccessTokens {
  private readonly key: Uint8Array;
  /**
   * Tokens whose signature and claims this process has already checked, by SHA-256 of the
   * token (the bearer string itself is not kept): the same bytes under the same key verify
   * the same way, so only the expiry is checked again. A call checks its token twice (the
   * per-user rate limit, then authentication) and a tab repeats it for 15 minutes, while
   * WebCrypto's HMAC is an async job on the thread pool. Revocation is not decided here
   * (auth/session-guard.ts, on every call).
   */
  private readonly verified = new Map<string, AccessClaims>();

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
    private readonly nowSeconds: () => number = () => Date.now() / 1000,
  ) {
    this.key = deriveKey(secret, 'access-token');
  }

  async issue(input: { userId: string; sessionId: string; role: Role }): Promise<{ token: string; claims: AccessClaims }> {
    const iat = Math.floor(this.nowSeconds());
    const claims: AccessClaims = { sub: input.userId, sid: input.sessionId, role: input.role, jti: randomUUID(), iat, exp: iat + this.ttlSeconds };
    const token = await new SignJWT({ sid: claims.sid, role: claims.role, type: 'access' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.sub)
      .setJti(claims.jti)
      .setIssuedAt(iat)
      .setExpirationTime(claims.exp)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .sign(this.key);
    return { token, claims };
  }

  /** Only HS256, only our issuer and audience, only type 'access'; anything else is invalid. */
  async verify(token: string): Promise<AccessClaims> {
    if (token.length > 4096) throw new TokenError('invalid');
    const digest = createHash('sha256').update(token).digest('base64');
    const known = this.verified.get(digest);
    if (known) {
      if (known.exp > Math.floor(this.nowSeconds()) - CLOCK_TOLERANCE_S) return { ...known };
      this.verified.delete(digest);
      throw new TokenError('expired');
    }
    const claims = await this.verifySigned(token);
    if (this.verified.size >= MAX_REMEMBERED) {
      // Oldest first (insertion order): an old token is the likeliest to have expired.
      const first = this.verified.keys().next();
      if (!first.done) this.verified.delete(first.value);
    }
    this.verified.set(digest, claims);
    return { ...claims };
  }

  private async verifySigned(token: string): Promise<AccessClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        clockTolerance: CLOCK_TOLERANCE_S,
        currentDate: new Date(this.nowSeconds() * 1000),
      });
      if (payload.type !== 'access') throw new TokenError('invalid');
      const { sub, jti, exp, iat } = payload;
      const sid = payload.sid;
      const role = payload.role;
      if (typeof sub !== 'string' || typeof jti !== 'string' || typeof sid !== 'string' || typeof exp !== 'number' || typeof iat !== 'number') {
        throw new TokenError('invalid');
      }
      if (role !== 'admin' && role !== 'trader' && role !== 'viewer') throw new TokenError('invalid');
      return { sub, sid, role, jti, exp, iat };
    } catch (err) {
      if (err instanceof TokenError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw new TokenError('expired');
      throw new TokenError('invalid');
    }
  }
}
