// The security log in words: every event type the API writes has a label a person understands
// ("Sign-in refused", "Backup code used") and a group the log can be filtered by, and an
// event's details read as a sentence instead of raw keys. Shared by the admin screen and the
// CSV export so both say the same thing. A unit test scans the API's source for event types
// and fails when one has no entry here.

export const SECURITY_EVENT_GROUPS = ['sign_in', 'second_factor', 'passkeys', 'admin', 'schwab', 'engine', 'other'] as const;
export type SecurityEventGroup = (typeof SECURITY_EVENT_GROUPS)[number];

export const SECURITY_EVENT_GROUP_LABEL: Record<SecurityEventGroup, string> = {
  sign_in: 'Sign-in and sessions',
  second_factor: 'Second factor',
  passkeys: 'Passkeys',
  admin: 'Administration',
  schwab: 'Schwab',
  engine: 'Engine',
  other: 'Other',
};

interface EventWords {
  /** What happened, when it happened. */
  label: string;
  /** What the row says when the action was refused (details.outcome = failure). */
  refused?: string;
  group: SecurityEventGroup;
}

const w = (group: SecurityEventGroup, label: string, refused?: string): EventWords => (refused === undefined ? { label, group } : { label, refused, group });

export const SECURITY_EVENT_WORDS: Readonly<Record<string, EventWords>> = {
  'auth.login': w('sign_in', 'Signed in', 'Sign-in refused'),
  'auth.logout': w('sign_in', 'Signed out', 'Sign-out failed'),
  'auth.refresh': w('sign_in', 'Session renewed', 'Session renewal refused'),
  'auth.refresh_reuse': w('sign_in', 'Session token reused'),
  'auth.new_device': w('sign_in', 'Sign-in from a new device'),
  'auth.not_me': w('sign_in', 'Sign-in reported as not mine', 'Report of a sign-in refused'),
  'auth.password_changed': w('sign_in', 'Password changed', 'Password change refused'),
  'auth.password_reset': w('sign_in', 'Password reset'),
  'auth.reauthenticated': w('sign_in', 'Identity confirmed', 'Identity confirmation refused'),
  'auth.session_revoked': w('sign_in', 'Session ended', 'Ending a session refused'),
  'auth.sessions_revoked': w('sign_in', 'Other sessions ended', 'Ending other sessions refused'),
  'auth.session_renamed': w('sign_in', 'Session renamed', 'Renaming a session refused'),
  'auth.step_up_abuse': w('sign_in', 'Session ended after wrong passwords'),
  'auth.lockout': w('sign_in', 'Password sign-in locked'),
  'token.invalid': w('sign_in', 'Invalid session token'),
  'token.refused': w('sign_in', 'Token of an ended session refused'),
  'auth.second_factor': w('second_factor', 'Second sign-in step passed', 'Second sign-in step refused'),
  'two_factor.setup_started': w('second_factor', 'Two-factor setup started', 'Two-factor setup refused'),
  'two_factor.enabled': w('second_factor', 'Two-factor sign-in turned on', 'Turning on two-factor sign-in refused'),
  'two_factor.disabled': w('second_factor', 'Two-factor sign-in turned off', 'Turning off two-factor sign-in refused'),
  'two_factor.backup_codes_regenerated': w('second_factor', 'New backup codes made', 'Making new backup codes refused'),
  'two_factor.backup_code_used': w('second_factor', 'Backup code used'),
  'two_factor.backup_codes_low': w('second_factor', 'Few backup codes left'),
  'two_factor.code_replayed': w('second_factor', 'Code reused'),
  'two_factor.secret_unreadable': w('second_factor', 'Two-factor secret unreadable'),
  'two_factor.imported': w('second_factor', 'Two-factor imported from the old system'),
  'two_factor.reset': w('second_factor', 'Two-factor reset from the shell'),
  'passkey.added': w('passkeys', 'Passkey added', 'Adding a passkey refused'),
  'passkey.removed': w('passkeys', 'Passkey removed', 'Removing a passkey refused'),
  'passkey.renamed': w('passkeys', 'Passkey renamed', 'Renaming a passkey refused'),
  'passkey.clone_suspected': w('passkeys', 'Passkey may have been copied'),
  'user.created': w('admin', 'Account created'),
  'user.role_changed': w('admin', 'Role changed', 'Role change refused'),
  'user.disabled': w('admin', 'Account disabled', 'Disabling an account refused'),
  'user.enabled': w('admin', 'Account enabled', 'Enabling an account refused'),
  'user.two_factor_reset': w('admin', 'Two-factor reset by an administrator', 'Two-factor reset refused'),
  'user.sessions_revoked': w('admin', 'Sessions ended by an administrator', 'Ending sessions refused'),
  'user.unlocked': w('admin', 'Password sign-in unlocked'),
  'invitation.created': w('admin', 'Invitation created', 'Invitation refused'),
  'invitation.revoked': w('admin', 'Invitation revoked', 'Revoking an invitation refused'),
  'invitation.accepted': w('admin', 'Invitation accepted', 'Invitation not accepted'),
  'invitation.inspected': w('admin', 'Invitation link opened', 'Invalid invitation link opened'),
  'security_log.exported': w('admin', 'Security log exported', 'Security log export refused'),
  'encryption.keys_rotated': w('admin', 'Encryption keys rotated'),
  'schwab.login_started': w('schwab', 'Schwab connection started', 'Schwab connection refused'),
  'schwab.callback_refused': w('schwab', 'Schwab sign-in answer refused'),
  'schwab.connect_failed': w('schwab', 'Schwab connection failed'),
  'schwab.connected': w('schwab', 'Schwab connected'),
  'schwab.token_deleted': w('schwab', 'Schwab connection removed'),
  'schwab.refreshed': w('schwab', 'Schwab access renewed'),
  'schwab.refresh_failed': w('schwab', 'Schwab access renewal failed'),
  'schwab.reauth_required': w('schwab', 'Schwab needs a new login'),
  'schwab.expiring': w('schwab', 'Schwab login expires soon'),
  'schwab.sync_requested': w('schwab', 'Schwab sync started', 'Schwab sync refused'),
  'schwab.sync_failed': w('schwab', 'Schwab sync failed'),
  'engine.state_changed': w('engine', 'Engine state changed'),
  'engine.mode_changed': w('engine', 'Engine mode changed (paper / live)'),
  'engine.control_refused': w('engine', 'Engine control refused'),
  'engine.mode_refused': w('engine', 'Switch to live refused'),
  'engine.live_refused': w('engine', 'Switch to live refused: wrong account digits'),
  'engine.run': w('engine', 'Live strategy run'),
  'engine.run_requested': w('engine', 'Strategy run started by a person', 'Strategy run refused'),
  'engine.kill_switch_failed': w('engine', 'Kill switch could not be tripped'),
  'engine.cancel_failed': w('engine', 'Working orders could not be cancelled'),
  'engine.orders_cancelled': w('engine', 'Working orders cancelled at the broker'),
  'engine.slippage_exceeded': w('engine', 'Order cancelled: fill too far from the intended price'),
  'engine.order_unknown': w('engine', 'Order outcome unknown after a crash'),
  'engine.reconciled': w('engine', 'Reconciliation with Schwab matched'),
  'engine.reconciliation_mismatch': w('engine', 'Reconciliation found differences'),
  'config.changed': w('engine', 'Engine configuration changed'),
  'config.set_refused': w('engine', 'Configuration change refused'),
  'config.revert_refused': w('engine', 'Configuration revert refused'),
  'scheduler.job_switched': w('engine', 'Scheduled job switched on or off', 'Scheduled job switch refused'),
  'scheduler.job_triggered': w('engine', 'Scheduled job run by a person', 'Scheduled job run refused'),
  'scheduler.trade_slot_changed': w('engine', 'Strategy run time changed', 'Strategy run time change refused'),
  'trading.order_placed': w('engine', 'Manual order placed', 'Manual order refused'),
  'trading.order_cancelled': w('engine', 'Manual order cancelled', 'Order cancel refused'),
  'dashboard.trades_exported': w('other', 'Trades exported', 'Trade export refused'),
  'access.forbidden': w('other', 'Access refused: role too low'),
  'rate_limit.hit': w('other', 'Too many requests'),
  'ws.origin_refused': w('other', 'Live connection from another site refused'),
  'security_log.pruned': w('other', 'Old security events removed'),
  'security_log.suppressed': w('other', 'Repeated events counted, not listed'),
};

/** Groups for types with no entry yet, by prefix: a new engine event still lands under Engine. */
export const SECURITY_EVENT_GROUP_BY_PREFIX: Readonly<Record<string, SecurityEventGroup>> = {
  auth: 'sign_in',
  token: 'sign_in',
  two_factor: 'second_factor',
  passkey: 'passkeys',
  user: 'admin',
  invitation: 'admin',
  schwab: 'schwab',
  engine: 'engine',
  strategy: 'engine',
  config: 'engine',
  scheduler: 'engine',
  trading: 'engine',
};

function words(type: string): EventWords | undefined {
  return Object.hasOwn(SECURITY_EVENT_WORDS, type) ? SECURITY_EVENT_WORDS[type] : undefined;
}

export function securityEventGroup(type: string): SecurityEventGroup {
  const known = words(type);
  if (known) return known.group;
  const prefix = type.split('.', 1)[0] ?? '';
  return Object.hasOwn(SECURITY_EVENT_GROUP_BY_PREFIX, prefix) ? SECURITY_EVENT_GROUP_BY_PREFIX[prefix]! : 'other';
}

/** The known types of a group (for the server's filter; `other` also matches unknown types). */
export function securityEventTypesOf(group: SecurityEventGroup): string[] {
  return Object.keys(SECURITY_EVENT_WORDS).filter((type) => SECURITY_EVENT_WORDS[type]!.group === group);
}

/** "schwab.sync_failed" → "Sync failed": a readable stand-in for a type with no entry yet. */
function humaniseType(type: string): string {
  const rest = type.includes('.') ? type.slice(type.indexOf('.') + 1) : type;
  return capitalise(inWords(rest)) || type;
}

/** What happened, in words; the refused wording when the details say it failed. */
export function securityEventLabel(type: string, details: Record<string, unknown> = {}): string {
  const known = words(type);
  if (!known) return humaniseType(type);
  return details.outcome === 'failure' && known.refused ? known.refused : known.label;
}

// ───────────────────────────── details as a sentence ─────────────────────────────

/** "attemptsLeft" / "bad_password" → "attempts left" / "bad password". */
function inWords(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_.]+/g, ' ')
    .trim()
    .toLowerCase();
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** One line, bounded: text from the request (a passkey name, a browser) must not flood the row. */
function quote(value: unknown): string {
  const s = String(value)
    .replace(/[\p{Cc}\s]+/gu, ' ')
    .trim();
  return `“${s.length > 80 ? `${s.slice(0, 79)}…` : s}”`;
}

/** An ISO time as "2026-12-03 14:05 UTC" (the same for every reader; the screen shows the row's time in local time). */
function when(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return null;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const REASON_WORDS: Record<string, string> = {
  INVALID_CREDENTIALS: 'wrong user name or password',
  ACCOUNT_LOCKED: 'the account is locked',
  ACCOUNT_DISABLED: 'the account is disabled',
  TOKEN_INVALID: 'invalid session token',
  TOKEN_EXPIRED: 'the session token had expired',
  SESSION_REVOKED: 'the session had ended',
  REFRESH_REUSED: 'the session token was used twice',
  WEAK_PASSWORD: 'the password does not meet the rules',
  REAUTH_REQUIRED: 'the password had to be confirmed first',
  PASSWORD_CHANGE_REQUIRED: 'a new password must be chosen first',
  CHALLENGE_INVALID: 'the sign-in step had expired',
  CODE_INVALID: 'wrong code',
  CODE_REPLAYED: 'the code was already used',
  LAST_ADMIN: 'it is the last active administrator',
  INVITATION_INVALID: 'the invitation is invalid, used or expired',
  INVITATION_EMAIL_MISMATCH: 'the email address does not match the invitation',
  USERNAME_TAKEN: 'the user name is taken',
  EMAIL_TAKEN: 'the email address is taken',
  PASSKEY_INVALID: 'the passkey answer was not valid',
  LAST_SIGN_IN_METHOD: 'it is the last way to sign in',
  SECOND_FACTOR_REQUIRED: 'a second factor is required',
  OAUTH_STATE_INVALID: 'the sign-in answer was unknown, used or expired',
  SCHWAB_REAUTH_REQUIRED: 'Schwab needs a new login',
  SCHWAB_EXCHANGE_FAILED: 'Schwab refused the exchange',
  SCHWAB_UNAVAILABLE: 'Schwab could not be reached',
  RATE_LIMITED: 'too many requests',
};

const WHY_WORDS: Record<string, string> = {
  bad_password: 'wrong password',
  unknown_user: 'unknown user name',
  invalid: 'wrong code',
  replayed: 'code already used',
  unknown: 'unknown session token',
  revoked: 'the session had already ended',
  expired: 'the session had expired',
  idle: 'the session was idle too long',
  user_disabled: 'the account is disabled',
  session_revoked: 'the session had ended',
  session_expired: 'the session had expired',
  token_revoked: 'the token had been revoked',
  accounts_exist: 'accounts exist already',
  challenge: 'the ceremony had expired or was used',
  verification: 'the answer did not verify',
  duplicate: 'already registered',
  bad_signature: 'bad signature',
  counter_regression: 'the counter went backwards',
  wrong_account: 'another account’s passkey',
  unknown_credential: 'unknown passkey',
};

const METHOD_WORDS: Record<string, string> = {
  password: 'with the password',
  passkey: 'with a passkey',
  second_factor: 'second step',
  totp: 'with an authenticator code',
  backup_code: 'with a backup code',
  'pwd+otp': 'with the password and an authenticator code',
  'pwd+backup': 'with the password and a backup code',
  pwd: 'with the password',
};

const VIA_WORDS: Record<string, string> = {
  cli: 'from the shell',
  ADMIN_USERNAME: 'from the start-up settings',
  not_me_link: 'through the “this wasn’t me” link',
};

function actorWords(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  if (v.startsWith('system:')) return `by the server (${inWords(v.slice(7))})`;
  return null;
}

type Phrase = (value: unknown, details: Record<string, unknown>) => string | null;
const num = (f: (n: number) => string): Phrase => (v) => (typeof v === 'number' && Number.isFinite(v) ? f(v) : null);
const yes = (text: string, no: string | null = null): Phrase => (v) => (v === true ? text : v === false ? no : null);
const mapped = (table: Record<string, string>): Phrase => (v) => (typeof v === 'string' ? (Object.hasOwn(table, v) ? table[v]! : inWords(v)) : null);
const DROP: Phrase = () => null;

/** How each detail key reads; keys absent here go to "Other details". */
const PHRASES: Record<string, Phrase> = {
  // Ids, internals and the outcome (the label says it) are not worth a reader's time.
  outcome: DROP,
  code: DROP,
  transport: DROP,
  step: DROP,
  aaguid: DROP,
  deviceType: DROP,
  accessExpiresInSeconds: DROP,
  keyId: DROP,
  filters: DROP,
  ceremony: DROP,
  reason: (v) => (typeof v === 'string' ? (Object.hasOwn(REASON_WORDS, v) ? REASON_WORDS[v]! : inWords(v)) : null),
  why: mapped(WHY_WORDS),
  method: mapped(METHOD_WORDS),
  next: (v) => (v === 'second_factor' ? 'second step asked for' : null),
  kind: (v) => (v === 'expired' ? 'the token had expired' : v === 'invalid' ? 'the token was not valid' : typeof v === 'string' ? inWords(v) : null),
  attemptsLeft: num((n) => (n === 0 ? 'no tries left' : `${plural(n, 'try', 'tries')} left`)),
  remaining: num((n) => `${plural(n, 'backup code')} left`),
  targetUsername: (v) => (typeof v === 'string' ? `account ${quote(v)}` : null),
  from: (v, d) => (typeof v === 'string' && typeof d.to === 'string' ? `from ${v} to ${d.to}` : null),
  to: (v, d) => (typeof v === 'string' && typeof d.from !== 'string' ? `to ${v}` : null),
  changed: yes('', 'no change'),
  role: (v) => (typeof v === 'string' ? `role ${v}` : null),
  required: (v) => (typeof v === 'string' ? `needs ${v}` : null),
  via: mapped(VIA_WORDS),
  actor: actorWords,
  self: yes('own account'),
  current: yes('this device'),
  name: (v) => (typeof v === 'string' || typeof v === 'number' ? `named ${quote(v)}` : null),
  backedUp: yes('synced', 'only on one device'),
  bootstrap: yes('the first administrator’s link'),
  boundToEmail: yes('bound to an email address'),
  expiresAt: (v) => (when(v) ? `valid until ${when(v)}` : null),
  refreshExpiresAt: (v) => (when(v) ? `Schwab login valid until ${when(v)}` : null),
  hoursLeft: num((n) => `${plural(n, 'hour')} left`),
  sessionsRevoked: num((n) => `${plural(n, 'session')} ended`),
  sessionsEnded: num((n) => `${plural(n, 'session')} ended`),
  otherSessionsRevoked: num((n) => `${plural(n, 'other session')} ended`),
  count: num((n) => plural(n, 'item')),
  invitationsRevoked: num((n) => (n === 0 ? '' : `${plural(n, 'invitation')} revoked`)),
  replacedBootstrapLinks: num((n) => (n === 0 ? '' : `${plural(n, 'earlier link')} replaced`)),
  hadTwoFactor: yes('two-factor sign-in was on', 'two-factor sign-in was off'),
  wasEnabled: yes('two-factor sign-in was on', 'two-factor sign-in was off'),
  backupCodesDeleted: num((n) => `${plural(n, 'backup code')} deleted`),
  backupCodesRemoved: num((n) => (n === 0 ? '' : `${plural(n, 'backup code')} removed`)),
  backupCodes: num((n) => plural(n, 'backup code')),
  passkeysRemoved: num((n) => (n === 0 ? '' : `${plural(n, 'passkey')} removed`)),
  devicesForgotten: num((n) => (n === 0 ? '' : `${plural(n, 'known device')} forgotten`)),
  secondFactorRemoved: yes('two-factor sign-in removed'),
  cleared: yes('name removed'),
  mustChangePassword: yes('a new password must be chosen'),
  wasLocked: yes('it was locked', 'it was not locked'),
  failures: num((n) => `after ${plural(n, 'failed attempt')}`),
  wrongAnswers: num((n) => `after ${plural(n, 'wrong answer')}`),
  retryAfter: num((n) => `next try in ${plural(n, 'second')}`),
  familyRevoked: yes('the session was ended'),
  bucket: (v) => (typeof v === 'string' ? `limit “${inWords(v)}”` : null),
  procedure: (v) => (typeof v === 'string' ? `on ${v}` : null),
  origin: (v) => (typeof v === 'string' ? `from ${quote(v)}` : v === null ? 'from no stated site' : null),
  storedCounter: (v, d) => (typeof v === 'string' || typeof v === 'number' ? `counter ${String(d.presentedCounter)} presented, ${String(v)} expected higher` : null),
  presentedCounter: DROP,
  source: (v) => (v === 'legacy' ? 'from the old system' : typeof v === 'string' ? `from ${inWords(v)}` : null),
  secretBits: num((n) => `${n}-bit secret`),
  hadToken: yes('', 'no token was stored'),
  rowCount: num((n) => plural(n, 'row')),
  truncated: yes('cut to the newest rows'),
  error: (v) => (typeof v === 'string' ? `error ${quote(v)}` : null),
  status: num((n) => `status ${n}`),
};

const ID_KEY = /(^id$|Id$|Ids$)/;

/**
 * An event's details as one sentence ("Wrong code, 4 tries left."), never raw keys. Ids are
 * left out (the row's user and time identify it); keys with no wording yet come last as
 * "Other details: …" in words, so nothing is hidden and nothing reads like code.
 */
export function describeSecurityEventDetails(details: Record<string, unknown>): string {
  const parts: string[] = [];
  const other: string[] = [];
  // The reason a refusal was given comes first.
  const keys = Object.keys(details).sort((a, b) => Number(b === 'reason' || b === 'why') - Number(a === 'reason' || a === 'why'));
  for (const key of keys) {
    const value = details[key];
    if (value === undefined || ID_KEY.test(key)) continue;
    if (Object.hasOwn(PHRASES, key)) {
      const phrase = PHRASES[key]!(value, details);
      if (phrase) parts.push(phrase);
      continue;
    }
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      other.push(`${inWords(key)} ${typeof value === 'string' ? quote(value) : value === true ? 'yes' : value === false ? 'no' : String(value)}`);
    }
  }
  const sentence = [...new Set(parts)].join(', ');
  const tail = other.length > 0 ? `Other details: ${other.join(', ')}.` : '';
  if (!sentence) return tail;
  return `${capitalise(sentence)}.${tail ? ` ${tail}` : ''}`;
}
