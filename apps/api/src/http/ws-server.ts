// WebSocket subscriptions at /api/ws. The upgrade is refused unless Origin is one of the
// allowed origins (a browser always sends it; a cross-site page cannot fake it).
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { WebSocketServer } from 'ws';
import type { AppServices } from '../services.ts';
import type { AnyTRPCRouter } from '@trpc/server';
import { createWsContext } from '../trpc/context.ts';

export const WS_PATH = '/api/ws';
export const WS_KEEPALIVE_MS = 30_000;

function refuse(socket: Duplex, status: string): void {
  socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

export function attachWebSocketServer(server: Server, services: AppServices, router: AnyTRPCRouter) {
  const allowed = new Set(services.config.CORS_ORIGINS);
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const handler = applyWSSHandler({
    wss,
    router,
    createContext: ({ req, res, info }) =>
      createWsContext(services, req, res, (info.connectionParams ?? null) as Record<string, string> | null),
    keepAlive: { enabled: true, pingMs: WS_KEEPALIVE_MS, pongWaitMs: 10_000 },
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') services.logger.error({ err: error.cause ?? error, path }, 'subscription failed');
    },
  });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = (req.url ?? '').split('?')[0];
    if (pathname !== WS_PATH) return refuse(socket, '404 Not Found');
    const origin = req.headers.origin;
    if (!origin || !allowed.has(origin)) {
      void services.securityEvents
        .record({ type: 'ws.origin_refused', severity: 'warning', ip: services.clientIp(req), userAgent: req.headers['user-agent'] ?? null, details: { origin: origin ?? null } })
        .catch(() => undefined);
      return refuse(socket, '403 Forbidden');
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  server.on('upgrade', onUpgrade);

  return {
    wss,
    /** Tells every client to reconnect (to another replica) before this one stops. */
    announceShutdown: () => handler.broadcastReconnectNotification(),
    async close() {
      server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
