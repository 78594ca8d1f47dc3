import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { buildRelyingParty } from './webauthn-config.ts';

const base = { NODE_ENV: 'test', SECRET_KEY: 'x'.repeat(8) + 'abcdefghijklmnopqrstuvwxyz0123456789', ENCRYPTION_KEYS: 'k1:' + Buffer.alloc(32, 1).toString('base64') };
const rp = (env: Record<string, string>) => buildRelyingParty(loadConfig({ ...base, ...env }, { persistDevSecrets: false }));

describe('relying party configuration', () => {
  it('derives the RP ID and origin from PUBLIC_URL', () => {
    expect(rp({ PUBLIC_URL: 'https://trade.example.com/' })).toMatchObject({ id: 'trade.example.com', name: 'Jutsu Labs', origins: ['https://trade.example.com'] });
    expect(rp({ PORT: '5173' })).toMatchObject({ id: 'localhost', origins: ['http://localhost:5173'] });
  });

  it('takes WEBAUTHN_* over the defaults, with origins on the RP ID or its subdomains', () => {
    const r = rp({ PUBLIC_URL: 'https://app.example.com', WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_RP_NAME: 'My desk', WEBAUTHN_ORIGINS: 'https://app.example.com, https://example.com' });
    expect(r).toMatchObject({ id: 'example.com', name: 'My desk', origins: ['https://app.example.com', 'https://example.com'] });
  });

  it('names a misconfiguration instead of failing every ceremony', () => {
    expect(() => rp({ PUBLIC_URL: 'https://app.example.com', WEBAUTHN_RP_ID: 'other.com' })).toThrow(/not on the RP ID other\.com/);
    expect(() => rp({ PUBLIC_URL: 'https://app.example.com', WEBAUTHN_RP_ID: 'https://app.example.com' })).toThrow(/domain name/);
    expect(() => rp({ PUBLIC_URL: 'http://10.0.0.5:8080' })).toThrow(/domain name/);
    expect(() => rp({ PUBLIC_URL: 'https://app.example.com', WEBAUTHN_ORIGINS: 'https://app.example.com/login' })).toThrow(/bare origins/);
    expect(() => rp({ PUBLIC_URL: 'https://app.example.com', WEBAUTHN_ORIGINS: 'https://app.example.com.evil.net' })).toThrow(/not on the RP ID/);
  });

  it('refuses plain http in production except on localhost', () => {
    const prod = { NODE_ENV: 'production', SECRET_KEY: 'Zq8#kL2$vN9@wR4!tY7%uI1^oP3&aS6*dF0(gH5)' };
    expect(() => rp({ ...prod, PUBLIC_URL: 'http://trade.example.com' })).toThrow(/https in production/);
    expect(rp({ ...prod, PUBLIC_URL: 'http://localhost:8080' }).origins).toEqual(['http://localhost:8080']);
  });
});
