// The one place a Schwab access token comes from. It refreshes when less than five minutes
// remain or after a 401 (once per call), in one flight per process and, across processes,
// under an advisory lock with the row read again once the lock is held: a token refreshed
// by another process is simply used. A refused refresh token marks the connection
// "reauth_required" and nothing is tried again until a new login.
import type { SchwabToken } from '@jutsu/db';
import { SchwabClient, type SchwabClientOptions } from './client.ts';
import { isSchwabError, SchwabError } from './errors.ts';
import { refreshTokens } from './oauth.ts';
import { publishSafely, type SchwabDeps } from './settings.ts';

export const TOKEN_ROW_ID = 'primary';
export const REFRESH_MARGIN_MS = 5 * 60 * 1000;
export const REFRESH_LOCK = 'schwab.token_refresh';

/** Stable, secret-free reasons the broker gives callers. */
export class SchwabConnectionError extends Error {
  override readonly name = 'SchwabConnectionError';
  constructor(readonly code: 'SCHWAB_NOT_CONFIGURED' | 'SCHWAB_NOT_CONNECTED' | 'SCHWAB_REAUTH_REQUIRED') {
    super(code === 'SCHWAB_NOT_CONNECTED' ? 'Schwab is not connected' : code === 'SCHWAB_NOT_CONFIGURED' ? 'Schwab is not configured' : 'Schwab needs a new login');
  }
}

export const accessCtx = { column: 'schwab_tokens.access_token', rowId: TOKEN_ROW_ID } as const;
export const refreshCtx = { column: 'schwab_tokens.refresh_token', rowId: TOKEN_ROW_ID } as const;

/** Short, secret-free text for `last_error` and the status screen. */
export function safeErrorText(err: unknown): string {
  if (err instanceof SchwabError) return err.code;
  if (err instanceof SchwabConnectionError) return err.code;
  return 'UNEXPECTED_ERROR';
}

export class TokenBroker {
  private inflight: Promise<string> | undefined;

  constructor(private readonly deps: SchwabDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private async row(): Promise<SchwabToken> {
    if (!this.deps.oauth) throw new SchwabConnectionError('SCHWAB_NOT_CONFIGURED');
    const row = await this.deps.prisma.schwabToken.findUnique({ where: { id: TOKEN_ROW_ID } });
    if (!row) throw new SchwabConnectionError('SCHWAB_NOT_CONNECTED');
    if (row.reauthRequiredAt) throw new SchwabConnectionError('SCHWAB_REAUTH_REQUIRED');
    return row;
  }

  /** A current access token (refreshed first when less than five minutes remain). */
  async getAccessToken(): Promise<string> {
    const row = await this.row();
    if (row.accessExpiresAt.getTime() - this.now().getTime() > REFRESH_MARGIN_MS) return this.deps.keyring.decrypt(row.accessToken, accessCtx);
    return this.refresh(undefined);
  }

  /**
   * Runs `call` with a client whose token comes from this broker. A 401 refreshes once (unless
   * another caller already replaced the refused token) and repeats the call once.
   */
  async withClient<T>(call: (client: SchwabClient) => Promise<T>, options: Omit<SchwabClientOptions, 'baseUrl' | 'getAccessToken'> = {}): Promise<T> {
    let used: string | undefined;
    const client = new SchwabClient({
      allowInsecureHttp: this.deps.oauth?.allowInsecureHttp ?? false,
      ...options,
      baseUrl: this.deps.oauth?.baseUrl ?? 'https://invalid.invalid',
      getAccessToken: async () => (used = await this.getAccessToken()),
    });
    try {
      return await call(client);
    } catch (err) {
      if (!isSchwabError(err, 'SCHWAB_UNAUTHORIZED') || used === undefined) throw err;
      await this.refresh(used);
      return call(client);
    }
  }

  /**
   * One refresh for everyone asking now. `refused` is the token Schwab just answered 401 to:
   * when the stored token is already a different one, it is used without a new refresh.
   */
  refresh(refused: string | undefined): Promise<string> {
    this.inflight ??= this.deps.lock(REFRESH_LOCK, () => this.refreshLocked(refused)).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async refreshLocked(refused: string | undefined): Promise<string> {
    const oauth = this.deps.oauth;
    const row = await this.row(); // read again now that the lock is held
    const current = this.deps.keyring.decrypt(row.accessToken, accessCtx);
    const now = this.now();
    if (row.accessExpiresAt.getTime() - now.getTime() > REFRESH_MARGIN_MS && current !== refused) return current; // refreshed elsewhere
    if (now >= row.refreshExpiresAt) {
      await this.markReauthRequired(row, 'SCHWAB_REAUTH_REQUIRED');
      throw new SchwabConnectionError('SCHWAB_REAUTH_REQUIRED');
    }
    let tokens;
    try {
      tokens = await refreshTokens(oauth!, this.deps.keyring.decrypt(row.refreshToken, refreshCtx));
    } catch (err) {
      if (isSchwabError(err, 'SCHWAB_REAUTH_REQUIRED')) {
        await this.markReauthRequired(row, err.message.slice(0, 200));
        throw new SchwabConnectionError('SCHWAB_REAUTH_REQUIRED');
      }
      const reason = safeErrorText(err);
      await this.deps.prisma.schwabToken.updateMany({ where: { id: TOKEN_ROW_ID, connectedAt: row.connectedAt }, data: { lastError: reason } });
      await this.deps.events.record({ type: 'schwab.refresh_failed', severity: 'warning', details: { reason } });
      throw err;
    }
    const done = this.now();
    const { keyring } = this.deps;
    // Only the login this refresh belongs to is updated: a new login in between wins.
    const updated = await this.deps.prisma.schwabToken.updateMany({
      where: { id: TOKEN_ROW_ID, connectedAt: row.connectedAt, reauthRequiredAt: null },
      data: {
        accessToken: keyring.encrypt(tokens.accessToken, accessCtx),
        // A rotated refresh token is stored, but its deadline stays the original login's.
        ...(tokens.refreshToken ? { refreshToken: keyring.encrypt(tokens.refreshToken, refreshCtx) } : {}),
        ...(tokens.scope ? { scope: tokens.scope } : {}),
        accessExpiresAt: new Date(done.getTime() + tokens.expiresInSeconds * 1000),
        lastRefreshedAt: done,
        lastError: null,
      },
    });
    if (updated.count === 0) throw new SchwabConnectionError('SCHWAB_NOT_CONNECTED');
    await this.deps.events.record({ type: 'schwab.refreshed', severity: 'info', details: { accessExpiresInSeconds: tokens.expiresInSeconds } });
    return tokens.accessToken;
  }

  private async markReauthRequired(row: SchwabToken, reason: string): Promise<void> {
    await markReauthRequired(this.deps, row, reason);
  }
}

/** Remembers that Schwab refused the login, raises the critical (alerted) event, tells the screens and the engine. */
export async function markReauthRequired(deps: SchwabDeps, row: Pick<SchwabToken, 'connectedAt' | 'refreshExpiresAt'>, reason: string): Promise<void> {
  const at = deps.now?.() ?? new Date();
  const changed = await deps.prisma.schwabToken.updateMany({
    where: { id: TOKEN_ROW_ID, connectedAt: row.connectedAt, reauthRequiredAt: null },
    data: { reauthRequiredAt: at, lastError: 'SCHWAB_REAUTH_REQUIRED' },
  });
  if (changed.count === 0) return; // already marked (or a new login replaced it)
  await deps.events.record({
    type: 'schwab.reauth_required',
    severity: 'critical',
    details: { reason: /^[\w .()-]{1,200}$/.test(reason) ? reason : 'SCHWAB_REAUTH_REQUIRED', refreshExpiresAt: row.refreshExpiresAt.toISOString() },
  });
  await publishSafely(deps, { topic: 'schwab', type: 'schwab.status_changed' });
  // The engine stops trading until a person reconnects; its failure must not hide the mark.
  await deps.onReauthRequired?.('Schwab needs a new login').catch((err: unknown) => deps.logger.error({ err }, 'could not halt the engine for the Schwab login'));
}
