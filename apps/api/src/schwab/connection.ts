// Connecting and disconnecting Schwab: the authorization-code + PKCE login with a state that
// is stored only as a hash, single-use, ten minutes long and bound to the admin and the
// session that started it; the tokens it yields stored encrypted; and the status the screen
// shows. Every refusal of a state is the same typed error and changes nothing.
import { createHash } from 'node:crypto';
import type { SchwabCallbackInput, SchwabStatus } from '@jutsu/shared';
import { maskAccountNumber } from '@jutsu/shared';
import { isSchwabError } from './errors.ts';
import { buildAuthorizeRequest, exchangeCode } from './oauth.ts';
import { publishSafely, type SchwabDeps } from './settings.ts';
import { accessCtx, refreshCtx, TOKEN_ROW_ID } from './token-broker.ts';

export const STATE_TTL_MS = 10 * 60 * 1000;
export const REFRESH_TOKEN_TTL_MS = 7 * 24 * 60 * 60 * 1000;
export const EXPIRING_WITHIN_MS = 24 * 60 * 60 * 1000;

export type ConnectionErrorCode = 'SCHWAB_NOT_CONFIGURED' | 'OAUTH_STATE_INVALID' | 'SCHWAB_EXCHANGE_FAILED' | 'SCHWAB_UNAVAILABLE';

export class ConnectionFlowError extends Error {
  override readonly name = 'ConnectionFlowError';
  constructor(
    readonly code: ConnectionErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface Initiator {
  userId: string;
  sessionId: string;
}

const hashState = (state: string) => createHash('sha256').update(state, 'utf8').digest('hex');
const now = (deps: SchwabDeps) => deps.now?.() ?? new Date();

/** Starts a login: a fresh state (stored hashed) and PKCE verifier (stored encrypted). */
export async function initiateLogin(deps: SchwabDeps, who: Initiator): Promise<{ authorizeUrl: string }> {
  if (!deps.oauth) throw new ConnectionFlowError('SCHWAB_NOT_CONFIGURED', 'Schwab is not configured on this server.');
  const request = await buildAuthorizeRequest(deps.oauth);
  const at = now(deps);
  await deps.prisma.$transaction(async (tx) => {
    // Old, unused states are useless after ten minutes; keep the table small.
    await tx.oAuthState.deleteMany({ where: { expiresAt: { lt: at } } });
    const row = await tx.oAuthState.create({
      data: { stateHash: hashState(request.state), provider: 'schwab', userId: who.userId, sessionId: who.sessionId, createdAt: at, expiresAt: new Date(at.getTime() + STATE_TTL_MS) },
    });
    await tx.oAuthState.update({
      where: { id: row.id },
      data: { codeVerifier: deps.keyring.encrypt(request.codeVerifier, { column: 'oauth_states.code_verifier', rowId: row.id }) },
    });
  });
  return { authorizeUrl: request.url.href };
}

/** The query string to hand to `exchangeCode`, from either callback form, decoded exactly once there. */
function callbackQuery(input: SchwabCallbackInput): string | null {
  if ('url' in input) {
    const raw = input.url.trim();
    const q = raw.indexOf('?');
    return q < 0 ? null : raw.slice(q + 1).split('#')[0]!;
  }
  // Already decoded once (the SPA read them with URLSearchParams): encode for the one decode ahead.
  return `code=${encodeURIComponent(input.code)}&state=${encodeURIComponent(input.state)}`;
}

/**
 * Finishes a login. The state must be known, unused, unexpired and started by this admin in
 * this session; it is consumed atomically before the code is exchanged (at once: the code
 * lives ~30 s), so a replay, a race or another person's state gets OAUTH_STATE_INVALID.
 */
export async function completeLogin(deps: SchwabDeps, who: Initiator, input: SchwabCallbackInput): Promise<SchwabStatus> {
  const oauth = deps.oauth;
  if (!oauth) throw new ConnectionFlowError('SCHWAB_NOT_CONFIGURED', 'Schwab is not configured on this server.');
  const invalid = () => new ConnectionFlowError('OAUTH_STATE_INVALID', 'This Schwab login link is not valid any more. Start again with Connect.');
  const query = callbackQuery(input);
  if (query === null) throw invalid();
  const params = new URLSearchParams(query);
  const state = params.get('state');
  if (!state || state.length > 256) throw invalid();
  const at = now(deps);
  const row = await deps.prisma.oAuthState.findUnique({ where: { stateHash: hashState(state) } });
  if (!row || row.provider !== 'schwab' || row.userId !== who.userId || row.sessionId !== who.sessionId || row.consumedAt || row.expiresAt <= at || !row.codeVerifier) {
    throw invalid();
  }
  // Single use, also against a second request racing this one.
  const consumed = await deps.prisma.oAuthState.updateMany({ where: { id: row.id, consumedAt: null, expiresAt: { gt: at } }, data: { consumedAt: at } });
  if (consumed.count !== 1) throw invalid();
  const codeVerifier = deps.keyring.decrypt(row.codeVerifier, { column: 'oauth_states.code_verifier', rowId: row.id });
  let tokens;
  try {
    tokens = await exchangeCode(oauth, { url: `?${query}`, expectedState: state, codeVerifier });
  } catch (err) {
    const unavailable = isSchwabError(err, 'SCHWAB_UNAVAILABLE') || isSchwabError(err, 'SCHWAB_RATE_LIMITED');
    const reason = isSchwabError(err) ? err.code : 'UNEXPECTED_ERROR';
    await deps.events.record({ type: 'schwab.connect_failed', severity: 'warning', userId: who.userId, details: { reason } });
    throw new ConnectionFlowError(
      unavailable ? 'SCHWAB_UNAVAILABLE' : 'SCHWAB_EXCHANGE_FAILED',
      unavailable ? 'Schwab did not answer. Start again with Connect.' : 'Schwab did not accept this login. Start again with Connect.',
    );
  } finally {
    // The verifier has done its job either way.
    await deps.prisma.oAuthState.update({ where: { id: row.id }, data: { codeVerifier: null } }).catch(() => undefined);
  }
  const done = now(deps);
  const data = {
    accessToken: deps.keyring.encrypt(tokens.accessToken, accessCtx),
    refreshToken: deps.keyring.encrypt(tokens.refreshToken, refreshCtx),
    tokenType: 'Bearer',
    scope: tokens.scope,
    accessExpiresAt: new Date(done.getTime() + tokens.expiresInSeconds * 1000),
    // Schwab's hard limit: seven days from this login, whatever refreshes follow.
    refreshExpiresAt: new Date(done.getTime() + REFRESH_TOKEN_TTL_MS),
    connectedById: who.userId,
    connectedAt: done,
    lastRefreshedAt: null,
    lastError: null,
    reauthRequiredAt: null,
  };
  await deps.prisma.schwabToken.upsert({ where: { id: TOKEN_ROW_ID }, create: { id: TOKEN_ROW_ID, ...data }, update: data });
  const event = await deps.events.record({ type: 'schwab.connected', severity: 'warning', userId: who.userId, details: { refreshExpiresAt: data.refreshExpiresAt.toISOString() } });
  // The owner hears of every new brokerage login, whoever made it.
  await deps.alerts.enqueue(event).catch((err: unknown) => deps.logger.error({ err }, 'could not queue the Schwab connection alert'));
  await publishSafely(deps, { topic: 'schwab', type: 'schwab.status_changed' });
  return readStatus(deps);
}

/**
 * Forgets the tokens (Schwab offers no revocation endpoint for them; a new login or the
 * 7-day limit ends them there). The event is critical so the owner hears of it.
 */
export async function deleteTokens(deps: SchwabDeps, who: { userId: string }): Promise<{ deleted: boolean }> {
  const res = await deps.prisma.schwabToken.deleteMany({ where: { id: TOKEN_ROW_ID } });
  await deps.prisma.oAuthState.deleteMany({ where: { provider: 'schwab' } });
  await deps.events.record({ type: 'schwab.token_deleted', severity: 'critical', userId: who.userId, details: { hadToken: res.count > 0 } });
  await publishSafely(deps, { topic: 'schwab', type: 'schwab.status_changed' });
  return { deleted: res.count > 0 };
}

export const SYNC_STATE_KEY = 'schwab.sync';
export interface SyncState {
  lastSyncAt: string | null;
  lastError: string | null;
}

export async function readSyncState(deps: Pick<SchwabDeps, 'prisma'>): Promise<SyncState> {
  const row = await deps.prisma.systemState.findUnique({ where: { key: SYNC_STATE_KEY } });
  const v = (row?.value ?? {}) as Partial<SyncState>;
  return { lastSyncAt: typeof v.lastSyncAt === 'string' ? v.lastSyncAt : null, lastError: typeof v.lastError === 'string' ? v.lastError : null };
}

/** The connection as the screen shows it: no token, no full account number. */
export async function readStatus(deps: SchwabDeps): Promise<SchwabStatus> {
  const at = now(deps);
  const [row, sync, accounts] = await Promise.all([
    deps.prisma.schwabToken.findUnique({ where: { id: TOKEN_ROW_ID } }),
    readSyncState(deps),
    deps.prisma.brokerageAccount.findMany({ where: { isPaper: false }, orderBy: { createdAt: 'asc' } }),
  ]);
  const state = !deps.oauth
    ? 'not_configured'
    : !row
      ? 'disconnected'
      : row.reauthRequiredAt || row.refreshExpiresAt <= at
        ? 'reauth_required'
        : row.refreshExpiresAt.getTime() - at.getTime() <= EXPIRING_WITHIN_MS
          ? 'expiring'
          : 'connected';
  return {
    state,
    accessTokenExpiresAt: row?.accessExpiresAt ?? null,
    refreshTokenExpiresAt: row?.refreshExpiresAt ?? null,
    lastRefreshAt: row?.lastRefreshedAt ?? null,
    lastSyncAt: sync.lastSyncAt ? new Date(sync.lastSyncAt) : null,
    lastError: (row?.lastError ?? sync.lastError)?.slice(0, 200) ?? null,
    accounts: accounts.map((a) => ({ masked: maskAccountNumber(a.numberLast4), ...(a.nickname ? { type: a.nickname } : {}) })),
  };
}
