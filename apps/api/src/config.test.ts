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

  it('refuses the test-only open market in production, and leaves it off by default', () => {
    expect(problems({ ...prod, ...keys, SECRET_KEY: strong, ENGINE_MARKET_ALWAYS_OPEN: 'true' })).toMatch(/ENGINE_MARKET_ALWAYS_OPEN=true is not allowed in production/);
    expect(loadConfig({ ...prod, ...keys, SECRET_KEY: strong }).ENGINE_MARKET_ALWAYS_OPEN).toBe(false);
    expect(loadConfig({ NODE_ENV: 'test', ENGINE_MARKET_ALWAYS_OPEN: 'true' }, { persistDevSecrets: false }).ENGINE_MARKET_ALWAYS_OPEN).toBe(true);
  });

  it('refuses a Schwab base or callback URL that is not https in production', () => {
    const msg = problems({ ...prod, ...keys, SECRET_KEY: strong, SCHWAB_BASE_URL: 'http://127.0.0.1:9999', SCHWAB_CALLBACK_URL: 'http://jutsu.example.com/schwab/callback' });
    expect(msg).toMatch(/SCHWAB_BASE_URL must be an https/);
    expect(msg).toMatch(/SCHWAB_CALLBACK_URL must be an https/);
    const ok = loadConfig({ ...prod, ...keys, SECRET_KEY: strong, SCHWAB_CALLBACK_URL: 'https://jutsu.example.com/schwab/callback' });
    expect(ok.SCHWAB_BASE_URL).toBe('https://api.schwabapi.com');
    const fromPublicUrl = problems({ ...prod, ...keys, SECRET_KEY: strong, PUBLIC_URL: 'http://jutsu.example.com', SCHWAB_CLIENT_ID: 'id' });
    expect(fromPublicUrl).toMatch(/Schwab needs an https callback/);
    // Outside production the local fake server may be reached over http.
    expect(loadConfig({ SCHWAB_BASE_URL: 'http://127.0.0.1:9999' }, { persistDevSecrets: false }).SCHWAB_BASE_URL).toBe('http://127.0.0.1:9999');
  });

  it('reads RATE_LIMITS as bucket=per-minute pairs and refuses anything else by name', () => {
    expect(loadConfig({ RATE_LIMITS: ' api=6000, admin=1200 ' }, { persistDevSecrets: false }).RATE_LIMITS).toEqual({ api: 6000, admin: 1200 });
    expect(loadConfig({}, { persistDevSecrets: false }).RATE_LIMITS).toEqual({});
    for (const bad of ['api=0', 'api=abc', 'api', 'login=100', 'loginAccount=1000', 'stepUpFailures=99', 'nope=5', 'api=5,api=6', 'api=5;rm', 'api=99999999']) {
      expect(problems({ RATE_LIMITS: bad }), bad).toMatch(/RATE_LIMITS: expected bucket=requests per minute/);
    }
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

  it('generates and keeps development secrets inside the data directory', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jutsu-dev-'));
    const env = { PGLITE_DIR: path.join(dir, 'pglite') };
    const a = loadConfig(env);
    const b = loadConfig(env);
    expect(a.SECRET_KEY).toBe(b.SECRET_KEY);
    expect(a.ENCRYPTION_KEYS).toBe(b.ENCRYPTION_KEYS);
    expect(Buffer.byteLength(a.SECRET_KEY)).toBeGreaterThanOrEqual(32);
    expect(a.generatedSecretsFile).toBe(path.join(dir, 'pglite', 'dev-secrets.json'));
    expect(fs.statSync(a.generatedSecretsFile!).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(path.join(dir, 'dev-secrets.json'))).toBe(false);
    fs.rmSync(dir, { recursive: true });
  });

  it('gives two instances whose data directories share a parent different secrets', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jutsu-dev-'));
    const one = loadConfig({ PGLITE_DIR: path.join(dir, 'one') });
    const two = loadConfig({ PGLITE_DIR: path.join(dir, 'two') });
    expect(one.SECRET_KEY).not.toBe(two.SECRET_KEY);
    expect(one.ENCRYPTION_KEYS).not.toBe(two.ENCRYPTION_KEYS);
    expect(one.generatedSecretsFile).not.toBe(two.generatedSecretsFile);
    fs.rmSync(dir, { recursive: true });
  });

  it('keeps the secrets an existing database was made with, but never gives them to a new one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jutsu-dev-'));
    const legacy = { SECRET_KEY: strong, ENCRYPTION_KEYS: keys.ENCRYPTION_KEYS };
    fs.writeFileSync(path.join(dir, 'dev-secrets.json'), JSON.stringify(legacy), { mode: 0o600 });
    fs.mkdirSync(path.join(dir, 'existing'));
    fs.writeFileSync(path.join(dir, 'existing', 'PG_VERSION'), '17\n');
    const existing = loadConfig({ PGLITE_DIR: path.join(dir, 'existing') });
    expect(existing.SECRET_KEY).toBe(strong);
    expect(existing.generatedSecretsFile).toBe(path.join(dir, 'existing', 'dev-secrets.json'));
    const fresh = loadConfig({ PGLITE_DIR: path.join(dir, 'fresh') });
    expect(fresh.SECRET_KEY).not.toBe(strong);
    expect(fresh.ENCRYPTION_KEYS).not.toBe(keys.ENCRYPTION_KEYS);
    fs.rmSync(dir, { recursive: true });
  });

  it('bounds the WebSocket limits', () => {
    const cfg = loadConfig({}, { persistDevSecrets: false });
    expect([cfg.WS_MAX_CONNECTIONS, cfg.WS_MAX_CONNECTIONS_PER_IP, cfg.WS_CONNECT_TIMEOUT_MS, cfg.WS_MAX_SUBSCRIPTIONS]).toEqual([1000, 20, 5000, 20]);
    expect(problems({ WS_MAX_CONNECTIONS_PER_IP: '0' })).toMatch(/WS_MAX_CONNECTIONS_PER_IP/);
    expect(problems({ WS_CONNECT_TIMEOUT_MS: '100' })).toMatch(/WS_CONNECT_TIMEOUT_MS/);
  });

  it('defaults CORS to the public origin', () => {
    const cfg = loadConfig({ ...prod, ...keys, SECRET_KEY: strong });
    expect(cfg.CORS_ORIGINS).toEqual(['https://jutsu.example.com']);
    expect(cfg.isProduction).toBe(true);
  });
});
