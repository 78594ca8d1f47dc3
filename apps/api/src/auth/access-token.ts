// Access tokens: HS256 JWTs (jose), 15 minutes, with jti and type 'access'. The signing key
// is derived from SECRET_KEY with HKDF so SECRET_KEY itself signs nothing directly.
import { hkdfSync, randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { Role } from '@jutsu/shared';

const ISSUER = 'jutsu-labs';
const AUDIENCE = 'jutsu-labs-api';

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

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = deriveKey(secret, 'access-token');
  }

  async issue(input: { userId: string; sessionId: string; role: Role }): Promise<{ token: string; claims: AccessClaims }> {
    const iat = Math.floor(Date.now() / 1000);
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
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, clockTolerance: 5 });
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
