// Open WebSockets by session and user, so revoking a session or disabling a user closes
// its sockets at once, and a socket closes itself when its access token expires.
import type { WebSocket } from 'ws';
import { WS_CLOSE } from '@jutsu/shared';

/** What the registry needs to know about the session a socket authenticated as. */
export interface SocketOwner {
  sessionId: string;
  userId: string;
  tokenExpiresAt: Date;
}

interface Entry {
  sessionId: string;
  userId: string;
  timer: NodeJS.Timeout;
}

export class SocketRegistry {
  private bySocket = new Map<WebSocket, Entry>();

  attach(ws: WebSocket, auth: SocketOwner): void {
    const existing = this.bySocket.get(ws);
    if (existing && existing.sessionId === auth.sessionId) return;
    if (existing) clearTimeout(existing.timer);
    const ms = Math.max(0, auth.tokenExpiresAt.getTime() - Date.now());
    const timer = setTimeout(() => this.close(ws, WS_CLOSE.tokenExpired, 'token expired'), Math.min(ms, 2 ** 31 - 1));
    timer.unref();
    this.bySocket.set(ws, { sessionId: auth.sessionId, userId: auth.userId, timer });
    ws.once('close', () => this.detach(ws));
  }

  detach(ws: WebSocket): void {
    const e = this.bySocket.get(ws);
    if (e) clearTimeout(e.timer);
    this.bySocket.delete(ws);
  }

  private close(ws: WebSocket, code: number, reason: string): void {
    this.detach(ws);
    try {
      ws.close(code, reason);
    } catch {
      ws.terminate();
    }
  }

  closeSessions(sessionIds: Iterable<string>, code: number = WS_CLOSE.sessionRevoked): number {
    const ids = new Set(sessionIds);
    let n = 0;
    for (const [ws, e] of [...this.bySocket]) {
      if (ids.has(e.sessionId)) {
        this.close(ws, code, 'session revoked');
        n++;
      }
    }
    return n;
  }

  closeUser(userId: string, code: number = WS_CLOSE.sessionRevoked): number {
    let n = 0;
    for (const [ws, e] of [...this.bySocket]) {
      if (e.userId === userId) {
        this.close(ws, code, 'session revoked');
        n++;
      }
    }
    return n;
  }

  get size(): number {
    return this.bySocket.size;
  }
}
