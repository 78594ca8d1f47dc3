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
] as const;
export type ErrorReason = (typeof ERROR_REASONS)[number];
