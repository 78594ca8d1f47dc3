/** Stable, machine-readable reasons carried in `error.data.reason` next to tRPC's code. */
export const ERROR_REASONS = [
  'INVALID_CREDENTIALS',
  'ACCOUNT_LOCKED',
  'ACCOUNT_DISABLED',
  'RATE_LIMITED',
  'TOKEN_INVALID',
  'TOKEN_EXPIRED',
  'SESSION_REVOKED',
  'REFRESH_REUSED',
  'WEAK_PASSWORD',
  'REAUTH_REQUIRED',
  'PASSWORD_CHANGE_REQUIRED',
  'CHALLENGE_INVALID',
  'CODE_INVALID',
  'PAYLOAD_TOO_LARGE',
  'MALFORMED_REQUEST',
  'ORIGIN_NOT_ALLOWED',
  'LAST_ADMIN',
  'INVITATION_INVALID',
  'INVITATION_EMAIL_MISMATCH',
  'USERNAME_TAKEN',
  'EMAIL_TAKEN',
  'PASSKEY_INVALID',
  'PASSKEY_NOT_FOUND',
  'PASSKEY_EXISTS',
  'PASSKEY_LIMIT',
  'LAST_SIGN_IN_METHOD',
  'CODE_REPLAYED',
  'TWO_FACTOR_ALREADY_ENABLED',
  'TWO_FACTOR_NOT_ENABLED',
  'TWO_FACTOR_SETUP_REQUIRED',
  'TWO_FACTOR_UNAVAILABLE',
  'INVALID_CURSOR',
  /** Only a passkey session may lift its own password lock. */
  'PASSKEY_REQUIRED',
  /** A "this wasn't me" lock: only the mailed link's reset (or an admin) lifts it. */
  'PASSWORD_RESET_REQUIRED',
  'INVALID_RANGE',
  /** Connecting a brokerage needs an admin with TOTP or a passkey. */
  'SECOND_FACTOR_REQUIRED',
  /** The OAuth state is unknown, used, expired, or someone else's: one answer for all. */
  'OAUTH_STATE_INVALID',
  'SCHWAB_NOT_CONFIGURED',
  'SCHWAB_NOT_CONNECTED',
  /** Schwab refused the refresh token (expired after 7 days or revoked): log in again. */
  'SCHWAB_REAUTH_REQUIRED',
  /** Schwab refused or failed the code exchange; nothing was stored. */
  'SCHWAB_EXCHANGE_FAILED',
  'SCHWAB_UNAVAILABLE',
  /** Another strategy run holds the engine.run lock (this or another replica). */
  'RUN_IN_PROGRESS',
  /** A configuration value outside its schema (the message says which rule), or an unknown key. */
  'CONFIG_INVALID',
  /** A configuration change that would not change the value. */
  'CONFIG_UNCHANGED',
  /** config.revert names a history row that does not exist. */
  'CONFIG_HISTORY_NOT_FOUND',
  /** scheduler.*: no job with this id is registered. */
  'SCHEDULER_JOB_UNKNOWN',
  /** scheduler.trigger: the job is running now (here or on another replica). */
  'SCHEDULER_JOB_BUSY',
  /** Only the instance's owner (the oldest active administrator) may do this. */
  'OWNER_ONLY',
  /** The database cannot be reached right now (restart, failover): try again shortly. */
  'DATABASE_UNAVAILABLE',
] as const;
export type ErrorReason = (typeof ERROR_REASONS)[number];
