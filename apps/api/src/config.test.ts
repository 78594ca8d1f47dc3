import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const strong = 'q8Vf2Lr9Zt1Xw4Np7Ks3Hd6Jb0Mc5Ga8Ye2Ru9Ti1Oo4';
const prod = { NODE_ENV: 'production', PUBLIC_URL: 'https://jutsu.example.com' };
const keys = { ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}` };

function problems(env: Record<string, string>): string {
  try {
    loadConfig(env, { persistDevSecrets: false });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('refuses production without SECRET_KEY, naming it', () => {
    expect(problems(prod)).toMatch(/SECRET_KEY is missing/);
  });

  it('refuses a short SECRET_KEY without echoing it', () => {
    const msg = problems({ ...prod, SECRET_KEY: 'tooShort-9f8e7d' });
    expect(msg).toMatch(/SECRET_KEY is shorter than 32 bytes/);
    expect(msg).not.toContain('tooShort-9f8e7d');
  });

  it('refuses production without ENCRYPTION_KEYS', () => {
    expect(problems({ ...prod, SECRET_KEY: strong })).toMatch(/ENCRYPTION_KEYS is missing/);
  });

  it('refuses AUTH_REQUIRED=false and DEBUG=true in production', () => {
    const msg = problems({ ...prod, SECRET_KEY: strong, AUTH_REQUIRED: 'false', DEBUG: 'true' });
    expect(msg).toMatch(/AUTH_REQUIRED=false/);
    expect(msg).toMatch(/DEBUG=true/);
  });

  it('reads secrets from NAME_FILE', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jutsu-cfg-'));
    const file = path.join(dir, 'secret_key');
    fs.writeFileSync(file, `${strong}\n`);
    const cfg = loadConfig({ ...prod, ...keys, SECRET_KEY_FILE: file });
    expect(cfg.SECRET_KEY).toBe(strong);
    fs.rmSync(dir, { recursive: true });
  });

  it('names an unreadable NAME_FILE and a NAME/NAME_FILE conflict', () => {
    expect(problems({ ...prod, SECRET_KEY_FILE: '/nonexistent/secret' })).toMatch(/SECRET_KEY_FILE: cannot read/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jutsu-cfg-'));
    fs.writeFileSync(path.join(dir, 's'), strong);
    expect(problems({ ...prod, SECRET_KEY: `${strong}x`, SECRET_KEY_FILE: path.join(dir, 's') })).toMatch(/both set/);
    fs.rmSync(dir, { recursive: true });
  });

  it('does not echo an invalid value of any variable', () => {
    const msg = problems({ ...prod, SECRET_KEY: strong, DATABASE_URL: 'mysql://root:Pa55word-x@db/app' });
    expect(msg).toMatch(/DATABASE_URL/);
    expect(msg).not.toContain('Pa55word-x');
  });

  it('generates and keeps development secrets beside the data directory', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jutsu-dev-'));
    const env = { PGLITE_DIR: path.join(dir, 'pglite') };
    const a = loadConfig(env);
    const b = loadConfig(env);
    expect(a.SECRET_KEY).toBe(b.SECRET_KEY);
    expect(Buffer.byteLength(a.SECRET_KEY)).toBeGreaterThanOrEqual(32);
    expect(fs.statSync(a.generatedSecretsFile!).mode & 0o777).toBe(0o600);
    fs.rmSync(dir, { recursive: true });
  });

  it('defaults CORS to the public origin', () => {
    const cfg = loadConfig({ ...prod, ...keys, SECRET_KEY: strong });
    expect(cfg.CORS_ORIGINS).toEqual(['https://jutsu.example.com']);
    expect(cfg.isProduction).toBe(true);
  });
});
