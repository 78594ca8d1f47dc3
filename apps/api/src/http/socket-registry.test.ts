// Real sockets: a socket closes itself when its token expires, and by session or user.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { WS_CLOSE } from '@jutsu/shared';
import { SocketRegistry, type SocketOwner } from './socket-registry.ts';

let wss: WebSocketServer;
const serverSide: WebSocket[] = [];
beforeAll(async () => {
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss.on('connection', (ws) => serverSide.push(ws));
  await new Promise((r) => wss.once('listening', r));
});
afterAll(() => new Promise<void>((r) => wss.close(() => r())));

async function pair(): Promise<{ client: WebSocket; server: WebSocket }> {
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  await new Promise((r) => client.once('open', r));
  while (serverSide.length === 0) await new Promise((r) => setTimeout(r, 5));
  return { client, server: serverSide.shift()! };
}

const auth = (o: Partial<SocketOwner>): SocketOwner => ({
  userId: 'u1',
  sessionId: 's1',
  tokenExpiresAt: new Date(Date.now() + 60_000),
  ...o,
});

const closeCode = (ws: WebSocket) => new Promise<number>((r) => ws.once('close', (code) => r(code)));

describe('SocketRegistry', () => {
  it('closes a socket with 4001 when its access token expires', async () => {
    const reg = new SocketRegistry();
    const { client, server } = await pair();
    reg.attach(server, auth({ tokenExpiresAt: new Date(Date.now() + 150) }));
    const started = Date.now();
    expect(await closeCode(client)).toBe(WS_CLOSE.tokenExpired);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(reg.size).toBe(0);
  });

  it('closes only the sockets of the revoked session, then of the user', async () => {
    const reg = new SocketRegistry();
    const a = await pair();
    const b = await pair();
    const c = await pair();
    reg.attach(a.server, auth({ sessionId: 's1' }));
    reg.attach(b.server, auth({ sessionId: 's2' }));
    reg.attach(c.server, auth({ sessionId: 's3', userId: 'u2' }));
    const aClosed = closeCode(a.client);
    expect(reg.closeSessions(['s1'])).toBe(1);
    expect(await aClosed).toBe(WS_CLOSE.sessionRevoked);
    expect(reg.size).toBe(2);
    const bClosed = closeCode(b.client);
    expect(reg.closeUser('u1')).toBe(1);
    expect(await bClosed).toBe(WS_CLOSE.sessionRevoked);
    expect(reg.size).toBe(1);
    c.client.close();
  });
});
