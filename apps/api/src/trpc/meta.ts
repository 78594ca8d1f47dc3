import type { Role } from '@jutsu/shared';
import type { RateLimitBucket } from '../security/rate-limit.ts';

/**
 * The protection every procedure declares (docs/architecture.md §3). Middleware enforces it; no
 * procedure hand-rolls these checks. `auth` is set by the builder it starts from.
 * The fields are optional only for tRPC's meta merging: a missing one makes the procedure
 * fail closed at call time, and trpc/meta.test.ts rejects any procedure that lacks one.
 */
export interface ProcedureMeta {
  /** Who may call: anyone, any signed-in user, or a signed-in user with at least this role. */
  auth?: 'public' | 'authenticated' | Role;
  /** The rate-limit bucket, or false for none (only for cheap, already-authenticated calls). */
  rateLimit?: RateLimitBucket | false;
  /** The security-event type written when the call completes, or false. */
  audit?: string | false;
  /** When the audit event is written: always (default) or only when the call fails. */
  auditOn?: 'always' | 'failure';
  /** Password or passkey within this many minutes (sensitive changes). */
  recentAuthMinutes?: number;
  /** Callable while the account must change its password (me, changePassword). */
  passwordChangeExempt?: boolean;
}
