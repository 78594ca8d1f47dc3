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
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ACCESS_TOKEN_EXPIRE_MINUTES: int(15, 1, 60),
  REFRESH_TOKEN_EXPIRE_DAYS: int(7, 1, 30),
  SESSION_IDLE_MINUTES: int(60 * 24, 5, 60 * 24 * 30),
  LOGIN_RATE_LIMIT: int(5, 1, 1000),
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
  WEBAUTHN_RP_ID: z.string().optional(),
  WEBAUTHN_RP_NAME: z.string().default('Jutsu Labs'),
  WEBAUTHN_ORIGINS: csv.optional(),
  SCHWAB_CLIENT_ID: z.string().optional(),
  SCHWAB_CLIENT_SECRET: z.string().optional(),
  SCHWAB_BASE_URL: z.url().default('https://api.schwabapi.com'),
  SCHWAB_CALLBACK_URL: z.url().optional(),
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
 * (0600) beside the embedded database, so a local `pnpm start` needs no setup and its
 * sessions and 2FA secrets survive restarts. Production never does this.
 */
function developmentSecrets(dataDir: string): { SECRET_KEY: string; ENCRYPTION_KEYS: string; file: string } {
  const file = path.join(path.dirname(path.resolve(dataDir)), 'dev-secrets.json');
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { SECRET_KEY?: string; ENCRYPTION_KEYS?: string };
    if (parsed.SECRET_KEY && parsed.ENCRYPTION_KEYS) return { SECRET_KEY: parsed.SECRET_KEY, ENCRYPTION_KEYS: parsed.ENCRYPTION_KEYS, file };
  } catch {
    // not there yet
  }
  const secrets = {
    SECRET_KEY: randomBytes(48).toString('base64'),
    ENCRYPTION_KEYS: `dev1:${randomBytes(32).toString('base64')}`,
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
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
    if (!e.PUBLIC_URL) problems.push('PUBLIC_URL is required in production (the https:// address people use)');
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
