// The WebAuthn relying party, from configuration: WEBAUTHN_RP_ID, WEBAUTHN_RP_NAME and
// WEBAUTHN_ORIGINS, each defaulting to what PUBLIC_URL implies (its host name, its origin).
// Built once per Config object and checked so a misconfiguration is named, not a mystery.
import { createHmac } from 'node:crypto';
import type { Config } from '../config.ts';

export interface RelyingParty {
  /** The RP ID: a registrable domain (no scheme, no port) that every origin is on. */
  id: string;
  name: string;
  /** Exact origins (scheme://host[:port]) a ceremony may come from. */
  origins: string[];
  /** Key for the decoy credential ids of unknown accounts (derived from SECRET_KEY). */
  decoyKey: Buffer;
}

export class RelyingPartyConfigError extends Error {
  constructor(message: string) {
    super(`WebAuthn configuration: ${message}`);
    this.name = 'RelyingPartyConfigError';
  }
}

const isLocalhost = (host: string) => host === 'localhost' || host.endsWith('.localhost');

export function buildRelyingParty(config: Pick<Config, 'PUBLIC_URL' | 'WEBAUTHN_RP_ID' | 'WEBAUTHN_RP_NAME' | 'WEBAUTHN_ORIGINS' | 'SECRET_KEY' | 'isProduction'>): RelyingParty {
  const publicUrl = new URL(config.PUBLIC_URL);
  const id = (config.WEBAUTHN_RP_ID ?? publicUrl.hostname).trim().toLowerCase();
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(id) || /^\d+(\.\d+){3}$/.test(id)) {
    throw new RelyingPartyConfigError(`WEBAUTHN_RP_ID must be a domain name such as example.com (not a URL or an IP address)`);
  }
  const rawOrigins = config.WEBAUTHN_ORIGINS?.length ? config.WEBAUTHN_ORIGINS : [publicUrl.origin];
  const origins = rawOrigins.map((o) => {
    let url: URL;
    try {
      url = new URL(o);
    } catch {
      throw new RelyingPartyConfigError(`WEBAUTHN_ORIGINS has an entry that is not a URL`);
    }
    if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
      throw new RelyingPartyConfigError(`WEBAUTHN_ORIGINS entries must be bare origins (scheme://host[:port]), got one with a path or query`);
    }
    const host = url.hostname.toLowerCase();
    if (host !== id && !host.endsWith(`.${id}`)) {
      throw new RelyingPartyConfigError(`origin ${url.origin} is not on the RP ID ${id} (set WEBAUTHN_RP_ID to its domain)`);
    }
    // Browsers offer WebAuthn only in secure contexts: https, or http on localhost.
    if (config.isProduction && url.protocol !== 'https:' && !isLocalhost(host)) {
      throw new RelyingPartyConfigError(`origin ${url.origin} must use https in production`);
    }
    return url.origin;
  });
  return {
    id,
    name: config.WEBAUTHN_RP_NAME,
    origins: [...new Set(origins)],
    decoyKey: createHmac('sha256', config.SECRET_KEY).update('jutsu:passkey-decoy').digest(),
  };
}

const cache = new WeakMap<Config, RelyingParty>();

/** The relying party of this process's configuration (built at first use, then cached). */
export function relyingParty(config: Config): RelyingParty {
  let rp = cache.get(config);
  if (!rp) {
    rp = buildRelyingParty(config);
    cache.set(config, rp);
  }
  return rp;
}
