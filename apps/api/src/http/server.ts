// One HTTP server: Express app + WebSocket upgrades, with graceful shutdown.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AnyTRPCRouter } from '@trpc/server';
import type { AppServices } from '../services.ts';
import { appRouter } from '../trpc/app-router.ts';
import { createApp } from './app.ts';
import { attachWebSocketServer } from './ws-server.ts';

export interface RunningServer {
  server: http.Server;
  port: number;
  url: string;
  /** Announce reconnect to WebSocket clients, stop accepting, drain, then close. */
  close(drainMs?: number): Promise<void>;
}

export async function startServer(services: AppServices, opts: { port: number; host: string; router?: AnyTRPCRouter }): Promise<RunningServer> {
  const router = opts.router ?? appRouter;
  const app = createApp(services, router);
  // While draining, every answer says `Connection: close`: a keep-alive client would otherwise
  // keep sending on its busy connection, the drain would never end, and the final
  // closeAllConnections would cut requests the server had already taken up.
  let draining = false;
  const unanswered = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    if (draining) res.setHeader('Connection', 'close');
    else {
      unanswered.add(res);
      res.once('close', () => unanswered.delete(res));
    }
    app(req, res);
  });
  server.requestTimeout = services.config.REQUEST_TIMEOUT_MS;
  server.headersTimeout = Math.min(20_000, services.config.REQUEST_TIMEOUT_MS);
  server.keepAliveTimeout = 65_000;
  const ws = attachWebSocketServer(server, services, router);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close(drainMs = 0) {
      closing ??= (async () => {
        draining = true;
        for (const res of unanswered) if (!res.headersSent) res.setHeader('Connection', 'close');
        ws.announceShutdown();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        if (drainMs > 0) await Promise.race([stopped, new Promise((r) => setTimeout(r, drainMs).unref())]);
        server.closeAllConnections();
        await ws.close();
        await stopped;
      })();
      return closing;
    },
  };
}
