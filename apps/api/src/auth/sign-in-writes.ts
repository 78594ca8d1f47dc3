// Everything a sign-in writes, in one statement (one round trip, all or nothing): the
// account's last sign-in (and, when the password was proved, its failure count cleared), the
// new session with its first refresh token, and the browser noted among the account's known
// devices. It writes nothing when the account was disabled since its credentials were checked.
// See docs/architecture.md, "Sign-in".
import type { PrismaClient } from '@jutsu/db';
import { v7 as uuidv7 } from 'uuid';
import { sha256 } from './secrets.ts';

export interface SignInWrite {
  userId: string;
  amr: string[];
  passwordProved: boolean;
  passkeyId: string | undefined;
  ip: string;
  userAgent: string | undefined;
  /** The session's id (uuid v7, as Prisma makes them): the access token names it before the write. */
  sessionId: string;
  expiresAt: Date;
  refreshToken: string;
  deviceId: string;
  now: Date;
}

export interface SignInWritten {
  /** The account as it is now (what publicUser and the new-device notice read). */
  user: { username: string; role: string; email: string | null; totpEnabledAt: Date | null; mustChangePassword: boolean };
  /** The browser was not among the account's devices, and how many it had before. */
  device: { inserted: boolean; devicesBefore: number };
}

interface Row {
  username: string;
  role: string;
  email: string | null;
  totp_enabled_at: Date | null;
  must_change_password: boolean;
  device_inserted: boolean;
  devices_before: number;
}

export function newSessionId(): string {
  return uuidv7();
}

/** Returns undefined when the account is gone or disabled: then nothing was written. */
export async function writeSignIn(prisma: PrismaClient, w: SignInWrite): Promise<SignInWritten | undefined> {
  // Every data-modifying CTE runs whatever the outer SELECT reads; each inserts FROM the
  // updated user row, so a disabled or deleted account gets no session and no device. The
  // count of devices reads the snapshot from before the statement: the devices before this one.
  const rows = await prisma.$queryRaw<Row[]>`
    WITH u AS (
      UPDATE users SET
        last_login_at = ${w.now}::timestamptz,
        last_login_ip = ${w.ip},
        failed_login_count = CASE WHEN ${w.passwordProved} THEN 0 ELSE failed_login_count END,
        last_failed_login_at = CASE WHEN ${w.passwordProved} THEN NULL ELSE last_failed_login_at END
      WHERE id = ${w.userId}::uuid AND disabled_at IS NULL
      RETURNING id, username, role::text AS role, email, totp_enabled_at, must_change_password
    ), s AS (
      INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at, auth_time, amr, passkey_id, ip, user_agent)
      SELECT ${w.sessionId}::uuid, u.id, ${w.now}::timestamptz, ${w.now}::timestamptz, ${w.expiresAt}::timestamptz,
             ${w.now}::timestamptz, ${w.amr}::text[], ${w.passkeyId ?? null}::uuid, ${w.ip}, ${w.userAgent ?? null}
      FROM u
      RETURNING id
    ), r AS (
      INSERT INTO refresh_tokens (id, token_hash, family_id, created_at)
      SELECT ${uuidv7()}::uuid, ${sha256(w.refreshToken)}, s.id, ${w.now}::timestamptz FROM s
      RETURNING id
    ), d AS (
      INSERT INTO known_devices (id, user_id, device_hash, user_agent, ip, first_seen_at, last_seen_at)
      SELECT ${uuidv7()}::uuid, u.id, ${sha256(w.deviceId)}, ${w.userAgent ?? null}, ${w.ip}, ${w.now}::timestamptz, ${w.now}::timestamptz
      FROM u
      ON CONFLICT (user_id, device_hash) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at, ip = EXCLUDED.ip
      RETURNING (xmax = 0) AS inserted
    )
    SELECT u.username, u.role, u.email, u.totp_enabled_at, u.must_change_password,
           (SELECT inserted FROM d) AS device_inserted,
           (SELECT count(*) FROM known_devices k WHERE k.user_id = u.id)::int AS devices_before,
           (SELECT count(*) FROM r)::int AS tokens
    FROM u`;
  const row = rows[0];
  if (!row) return undefined;
  return {
    user: { username: row.username, role: row.role, email: row.email, totpEnabledAt: row.totp_enabled_at, mustChangePassword: row.must_change_password },
    device: { inserted: row.device_inserted, devicesBefore: row.devices_before },
  };
}
