// Configuration from the environment, validated once at start. Every secret may come from
// NAME or NAME_FILE (Docker secrets). Errors name the variable, never its value.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** A start-up check refused to start the server (first admin, stored secrets, WebAuthn settings). */
export class StartupError extends Error {}

/** Variables that may be given as NAME_FILE. */
export const SECRET_VARIABLES = [
  'SECRET_KEY',
  'ENCRYPTION_KEYS',
  'DATABASE_URL',
  'REDIS_URL',
  'ADMIN_PASSWORD',
  'SMTP_PASSWORD',
  'SECURITY_ALERT_WEBHOOK_URL',
  'SCHWAB_CLIENT_SECRET',
] as const;

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);
const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

/**
 * Per-minute rate-limit buckets an operator may resize with RATE_LIMITS (security/rate-limit.ts
 * holds the defaults). Password sign-in has LOGIN_RATE_LIMIT; the per-account penalty buckets
 * are not tunable: they are the brute-force defence, not a traffic budget.
 */
export const TUNABLE_RATE_LIMITS = ['api', 'public', 'admin', 'secondFactor', 'passkeyLogin', 'refresh', 'sensitive', 'invitationPublic', 'subscribe'] as const;
export type TunableRateLimit = (typeof TUNABLE_RATE_LIMITS)[number];
/** `api=6000,admin=1200`: requests per minute for each named bucket. */
const rateLimits = z.string().transform((s, ctx) => {
  const out: Partial<Record<TunableRateLimit, number>> = {};
  for (const part of s.split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = /^([A-Za-z]+)=(\d{1,7})$/.exec(part);
    const name = m?.[1] as TunableRateLimit | undefined;
    const points = Number(m?.[2]);
    if (!m || !TUNABLE_RATE_LIMITS.includes(name!) || points < 1 || points > 1_000_000 || out[name!] !== undefined) {
      ctx.addIssue({ code: 'custom', message: `expected bucket=requests per minute (1 to 1000000, each bucket once) with a bucket among ${TUNABLE_RATE_LIMITS.join(', ')}` });
      return z.NEVER;
    }
    out[name!] = points;
  }
  return out;
});

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(8080, 0, 65535),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_URL: z.url().optional(),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL').optional(),
  PGLITE_DIR: z.string().default('./data/pglite'),
  SECRET_KEY: z.string().optional(),
  ENCRYPTION_KEYS: z.string().optional(),
  AUTH_REQUIRED: bool.default(true),
  DEBUG: bool.default(false),
  CORS_ORIGINS: csv.optional(),
  TRUSTED_PROXIES: csv.default([]),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional(),
  MAX_REQUEST_SIZE_MB: z.coerce.number().positive().max(50).default(1),
  REQUEST_TIMEOUT_MS: int(30_000, 1_000, 600_000),
  // WebSocket limits (see docs/decisions.md): open sockets in total and per client address,
  // time allowed for the connection parameters, subscriptions open at once on one socket.
  WS_MAX_CONNECTIONS: int(1_000, 1, 100_000),
  WS_MAX_CONNECTIONS_PER_IP: int(20, 1, 10_000),
  WS_CONNECT_TIMEOUT_MS: int(5_000, 500, 60_000),
  WS_MAX_SUBSCRIPTIONS: int(20, 1, 1_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ACCESS_TOKEN_EXPIRE_MINUTES: int(15, 1, 60),
  REFRESH_TOKEN_EXPIRE_DAYS: int(7, 1, 30),
  SESSION_IDLE_MINUTES: int(60 * 24, 5, 60 * 24 * 30),
  // How long live events stay resumable for a reconnecting tab; never under 10 minutes.
  LIVE_EVENTS_RETENTION_MINUTES: int(15, 10, 24 * 60),
  LOGIN_RATE_LIMIT: int(5, 1, 1000),
  RATE_LIMITS: rateLimits.default({}),
  LOCKOUT_THRESHOLD: int(100, 3, 10_000),
  LOGIN_DELAY_AFTER_FAILURES: int(5, 1, 1_000),
  // Tightens (never loosens) the recent-sign-in window each sensitive procedure declares.
  STEP_UP_MAX_AGE_SECONDS: z.coerce.number().int().min(5).max(3600).optional(),
  ADMIN_USERNAME: z.string().optional(),
  ADMIN_PASSWORD: z.string().optional(),
  SMTP_HOST: z.string().optional(),
  SMTP_PORT: int(587, 1, 65535),
  SMTP_SECURE: bool.default(false),
  SMTP_USER: z.string().optional(),
  SMTP_PASSWORD: z.string().optional(),
  SMTP_FROM: z.string().default('Jutsu Labs <security@localhost>'),
  SECURITY_ALERT_EMAIL: z.string().optional(),
  SECURITY_ALERT_WEBHOOK_URL: z.url().optional(),
  // Security log: info rows are deleted after this many days (warning/critical kept).
  SECURITY_LOG_RETENTION_DAYS: int(90, 1, 3650),
  // Anonymous, non-critical events written per address per minute; beyond it, one summary row.
  SECURITY_LOG_EVENTS_PER_ADDRESS_MINUTE: int(30, 1, 10_000),
  // The log's head is written to the process log after this many events (and at shutdown).
  SECURITY_LOG_CHECKPOINT_EVERY: int(100, 1, 1_000_000),
  WEBAUTHN_RP_ID: z.string().optional(),
  WEBAUTHN_RP_NAME: z.string().default('Jutsu Labs'),
  WEBAUTHN_ORIGINS: csv.optional(),
  SCHWAB_CLIENT_ID: z.string().optional(),
  SCHWAB_CLIENT_SECRET: z.string().optional(),
  SCHWAB_BASE_URL: z.url().default('https://api.schwabapi.com'),
  SCHWAB_CALLBACK_URL: z.url().optional(),
  // Seconds between Schwab syncs at every hour; unset: every minute while the market is open, every 15 minutes otherwise.
  SCHWAB_SYNC_SECONDS: z.coerce.number().int().min(5).max(3600).optional(),
  // `jutsu demo` sets it: simulated broker, a DEMO banner on every page. Refused in production.
  DEMO: bool.default(false),
  // Tests only (the e2e stack): the engine's market-hours guard treats the market as open, so a
  // run can be proved at any hour. Refused in production; everything else still reads the real clock.
  ENGINE_MARKET_ALWAYS_OPEN: bool.default(false),
  STATIC_DIR: z.string().optional(),
});

export type Env = z.infer<typeof envSchema>;

export interface Config extends Omit<Env, 'SECRET_KEY' | 'ENCRYPTION_KEYS' | 'CORS_ORIGINS' | 'PUBLIC_URL'> {
  SECRET_KEY: string;
  ENCRYPTION_KEYS: string | undefined;
  PUBLIC_URL: string;
  CORS_ORIGINS: string[];
  isProduction: boolean;
  /** Where generated development secrets were kept, when they were generated. */
  generatedSecretsFile: string | undefined;
}

/** NAME wins over NAME_FILE only when both are set identically; setting both differently is an error. */
export function resolveFileSecrets(env: NodeJS.ProcessEnv): { values: Record<string, string | undefined>; problems: string[] } {
  const values: Record<string, string | undefined> = { ...env };
  const problems: string[] = [];
  for (const name of SECRET_VARIABLES) {
    const file = env[`${name}_FILE`];
    if (!file) continue;
    let content: string;
    try {
      content = fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch {
      problems.push(`${name}_FILE: cannot read the file it names`);
      continue;
    }
    if (env[name] !== undefined && env[name] !== content) {
      problems.push(`${name} and ${name}_FILE are both set: set only one`);
      continue;
    }
    values[name] = content;
  }
  return { values, problems };
}

/** SECRET_KEY strength: at least 32 bytes, and not an obvious placeholder. */
function secretKeyProblem(key: string | undefined): string | undefined {
  if (!key) return 'SECRET_KEY is missing (at least 32 bytes of random data, e.g. `openssl rand -base64 48`)';
  if (Buffer.byteLength(key, 'utf8') < 32) return 'SECRET_KEY is shorter than 32 bytes';
  if (new Set(key).size < 8 || /change.?me|secret|password|example/i.test(key)) return 'SECRET_KEY looks like a placeholder';
  return undefined;
}

/**
 * Outside production a missing SECRET_KEY / ENCRYPTION_KEYS is generated once and kept
 * (0600) inside the embedded database's directory, so a local `pnpm start` needs no setup,
 * its sessions and 2FA secrets survive restarts, and two instances never share keys (they
 * would if the file sat in a shared parent directory). Production never does this.
 */
export function developmentSecretsFile(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'dev-secrets.json');
}

function readSecrets(file: string): { SECRET_KEY: string; ENCRYPTION_KEYS: string } | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { SECRET_KEY?: string; ENCRYPTION_KEYS?: string };
    if (parsed.SECRET_KEY && parsed.ENCRYPTION_KEYS) return { SECRET_KEY: parsed.SECRET_KEY, ENCRYPTION_KEYS: parsed.ENCRYPTION_KEYS };
  } catch {
    // not there (yet), or unreadable
  }
  return undefined;
}

function developmentSecrets(dataDir: string): { SECRET_KEY: string; ENCRYPTION_KEYS: string; file: string } {
  const file = developmentSecretsFile(dataDir);
  const kept = readSecrets(file);
  if (kept) return { ...kept, file };
  // Earlier versions kept the file beside the data directory. A database created with those
  // keys keeps them (its 2FA secrets are encrypted with them); a new database never adopts them.
  const legacy = path.join(path.dirname(path.resolve(dataDir)), 'dev-secrets.json');
  const hasDatabase = fs.existsSync(path.join(path.resolve(dataDir), 'PG_VERSION'));
  const secrets = (hasDatabase ? readSecrets(legacy) : undefined) ?? {
    SECRET_KEY: randomBytes(48).toString('base64'),
    ENCRYPTION_KEYS: `dev1:${randomBytes(32).toString('base64')}`,
  };
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  return { ...secrets, file };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, opts: { persistDevSecrets?: boolean } = {}): Config {
  const { values, problems } = resolveFileSecrets(env);
  const parsed = envSchema.safeParse(values);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = issue.path.join('.');
      // Never echo the value: only the variable and what is wrong with it.
      problems.push(`${name}: ${issue.message.replace(/received .*/i, 'invalid value')}`);
    }
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === 'production';
  let secretKey = e.SECRET_KEY;
  let encryptionKeys = e.ENCRYPTION_KEYS;
  let generatedSecretsFile: string | undefined;

  if (isProduction) {
    const p = secretKeyProblem(secretKey);
    if (p) problems.push(p);
    if (!encryptionKeys) problems.push('ENCRYPTION_KEYS is missing (id:base64 of 32 random bytes, e.g. k1:$(openssl rand -base64 32))');
    if (!e.AUTH_REQUIRED) problems.push('AUTH_REQUIRED=false is not allowed in production');
    if (e.DEBUG) problems.push('DEBUG=true is not allowed in production');
    if (e.DEMO) problems.push('DEMO=true is not allowed in production (it runs against a simulated broker)');
    if (e.ENGINE_MARKET_ALWAYS_OPEN) problems.push('ENGINE_MARKET_ALWAYS_OPEN=true is not allowed in production (it lets the engine trade outside market hours)');
    if (!e.PUBLIC_URL) problems.push('PUBLIC_URL is required in production (the https:// address people use)');
    // Schwab tokens and codes travel only over TLS; http is for the local fake server.
    if (!e.SCHWAB_BASE_URL.startsWith('https://')) problems.push('SCHWAB_BASE_URL must be an https:// URL in production');
    if (e.SCHWAB_CALLBACK_URL !== undefined && !e.SCHWAB_CALLBACK_URL.startsWith('https://')) problems.push('SCHWAB_CALLBACK_URL must be an https:// URL in production');
    else if (e.SCHWAB_CALLBACK_URL === undefined && e.SCHWAB_CLIENT_ID && e.PUBLIC_URL && !e.PUBLIC_URL.startsWith('https://')) {
      problems.push('SCHWAB_CALLBACK_URL is not set and PUBLIC_URL is not https://: Schwab needs an https callback (set SCHWAB_CALLBACK_URL)');
    }
  } else if (!secretKey || !encryptionKeys) {
    if (opts.persistDevSecrets === false) {
      secretKey ??= randomBytes(48).toString('base64');
      encryptionKeys ??= `dev1:${randomBytes(32).toString('base64')}`;
    } else {
      const dev = developmentSecrets(e.PGLITE_DIR);
      secretKey ??= dev.SECRET_KEY;
      encryptionKeys ??= dev.ENCRYPTION_KEYS;
      generatedSecretsFile = dev.file;
    }
  } else {
    const p = secretKeyProblem(secretKey);
    if (p && p !== 'SECRET_KEY looks like a placeholder') problems.push(p);
  }
  if (!e.AUTH_REQUIRED && !isProduction) {
    // Accepted for compatibility with the earlier system's .env files, but authentication
    // cannot be switched off in this one (see docs/decisions.md).
  }
  if (problems.length) throw new ConfigError(problems);

  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  const corsOrigins = e.CORS_ORIGINS?.length ? e.CORS_ORIGINS : [new URL(publicUrl).origin];
  return {
    ...e,
    SECRET_KEY: secretKey as string,
    ENCRYPTION_KEYS: encryptionKeys,
    PUBLIC_URL: publicUrl,
    CORS_ORIGINS: corsOrigins,
    isProduction,
    generatedSecretsFile,
  };
}
