// WebSocket subscriptions at /api/ws. The upgrade is refused unless Origin is one of the
// allowed origins (a browser always sends it; a cross-site page cannot fake it), and unless
// the caller's address and the server still have room for another socket. Around tRPC's
// handler, each socket must send its connection parameters in time, may hold a bounded
// number of subscriptions, and gets a typed error (never an internal message) for a frame
// that is not a well-formed tRPC message.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { parseTRPCMessage } from '@trpc/server/rpc';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { ErrorReason } from '@jutsu/shared';
import type { AppServices } from '../services.ts';
import type { AnyTRPCRouter } from '@trpc/server';
import { createWsContext } from '../trpc/context.ts';
import { sharingWsEncoder } from '../trpc/shared-frames.ts';

export const WS_PATH = '/api/ws';
export const WS_KEEPALIVE_MS = 30_000;

/** Close codes set here, at the edge (the session codes live with the socket registry). */
export const WS_EDGE_CLOSE = {
  /** The connection parameters (the first message) did not arrive within WS_CONNECT_TIMEOUT_MS. */
  connectTimeout: 4008,
} as const;

function refuse(socket: Duplex, status: string, extraHeaders = ''): void {
  socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\n${extraHeaders}Content-Length: 0\r\n\r\n`);
  socket.destroy();
}

/** Open sockets in total and per client address; a slot is held until the TCP socket closes. */
class ConnectionSlots {
  private total = 0;
  private readonly byIp = new Map<string, number>();
  constructor(
    private readonly maxTotal: number,
    private readonly maxPerIp: number,
  ) {}

  acquire(ip: string): 'ok' | 'total' | 'address' {
    const mine = this.byIp.get(ip) ?? 0;
    if (mine >= this.maxPerIp) return 'address';
    if (this.total >= this.maxTotal) return 'total';
    this.byIp.set(ip, mine + 1);
    this.total++;
    return 'ok';
  }

  release(ip: string): void {
    const mine = this.byIp.get(ip) ?? 0;
    if (mine <= 1) this.byIp.delete(ip);
    else this.byIp.set(ip, mine - 1);
    this.total = Math.max(0, this.total - 1);
  }

  get open(): number {
    return this.total;
  }
}

const JSON_RPC_CODES = { PARSE_ERROR: -32700, BAD_REQUEST: -32600, TOO_MANY_REQUESTS: -32029 } as const;

/** The error envelope tRPC's client reads (superjson: the shape under `json`). */
function errorFrame(id: unknown, code: keyof typeof JSON_RPC_CODES, httpStatus: number, message: string, reason: ErrorReason): string {
  const safeId = typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : null;
  return JSON.stringify({ id: safeId, error: { json: { message, code: JSON_RPC_CODES[code], data: { code, httpStatus, reason } } } });
}

function frameText(data: RawData): string | undefined {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return undefined;
}

export function attachWebSocketServer(server: Server, services: AppServices, router: AnyTRPCRouter) {
  const { config, logger } = services;
  const allowed = new Set(config.CORS_ORIGINS);
  const slots = new ConnectionSlots(config.WS_MAX_CONNECTIONS, config.WS_MAX_CONNECTIONS_PER_IP);
  const transformer = router._def._config.transformer;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });

  // Registered before tRPC's own listener, so every socket is guarded before it is served.
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => guardSocket(ws, req));

  const handler = applyWSSHandler({
    wss,
    router,
    createContext: ({ req, res, info }) =>
      createWsContext(services, req, res, (info.connectionParams ?? null) as Record<string, string> | null),
    keepAlive: { enabled: true, pingMs: WS_KEEPALIVE_MS, pongWaitMs: 10_000 },
    // JSON, with one frame text per live event (and subscription id) instead of one per socket.
    experimental_encoder: sharingWsEncoder,
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') logger.error({ err: error.cause ?? error, path }, 'subscription failed');
    },
  });

  /**
   * The first message must arrive within WS_CONNECT_TIMEOUT_MS (tRPC clients send their
   * connection parameters as soon as the socket opens), so an idle socket cannot hold a slot.
   * Every later frame is checked before tRPC sees it: malformed frames get a typed
   * PARSE_ERROR, and a subscription beyond WS_MAX_SUBSCRIPTIONS a typed TOO_MANY_REQUESTS.
   */
  function guardSocket(ws: WebSocket, req: IncomingMessage): void {
    const expectsParams = new URL(req.url ?? '/', 'http://localhost').searchParams.get('connectionParams') === '1';
    const deadline = setTimeout(() => ws.close(WS_EDGE_CLOSE.connectTimeout, 'connection parameters not received in time'), config.WS_CONNECT_TIMEOUT_MS);
    deadline.unref();
    ws.once('close', () => clearTimeout(deadline));
    let first = true;
    // Subscriptions as tRPC runs them, learnt from its answers: `pending` were passed on and
    // not yet answered, `running` were answered "started" and not yet "stopped" or an error.
    // tRPC sends "stopped" (or the error) in the same tick it forgets a subscription, so an
    // id leaves `running` exactly when tRPC would accept it again.
    const pending = new Set<string | number>();
    const running = new Set<string | number>();

    const send = ws.send.bind(ws) as (data: unknown, ...rest: unknown[]) => void;
    ws.send = ((data: unknown, ...rest: unknown[]) => {
      if (pending.size + running.size > 0 && typeof data === 'string' && /"(started|stopped|error)"/.test(data)) {
        try {
          const msg = JSON.parse(data) as { id?: string | number; error?: unknown; result?: { type?: string } };
          if (msg.id !== undefined && msg.id !== null) {
            if (msg.result?.type === 'started' && pending.delete(msg.id)) running.add(msg.id);
            else if (msg.error !== undefined || msg.result?.type === 'stopped') {
              pending.delete(msg.id);
              running.delete(msg.id);
            }
          }
        } catch {
          // not JSON: nothing to learn
        }
      }
      send(data, ...rest);
    }) as WebSocket['send'];

    const emit = ws.emit.bind(ws) as (event: string | symbol, ...args: unknown[]) => boolean;
    ws.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event !== 'message') return emit(event, ...args);
      const text = frameText(args[0] as RawData);
      // Keep-alive frames pass, but do not count as the connection parameters.
      if (text === 'PING' || text === 'PONG') return emit(event, ...args);
      if (first) {
        first = false;
        clearTimeout(deadline);
        // tRPC reads this one as the connection parameters, and answers a bad one itself.
        if (expectsParams) return emit(event, ...args);
      }
      if (text === undefined) return emit(event, ...args); // tRPC refuses other frame types itself
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        send(errorFrame(null, 'PARSE_ERROR', 400, 'Malformed message', 'MALFORMED_REQUEST'));
        return true;
      }
      const messages = Array.isArray(parsed) ? (parsed as unknown[]) : [parsed];
      for (const raw of messages) {
        try {
          parseTRPCMessage(raw, transformer);
        } catch {
          send(errorFrame((raw as { id?: unknown } | null)?.id, 'PARSE_ERROR', 400, 'Malformed message', 'MALFORMED_REQUEST'));
          return true;
        }
      }
      // An id in use is refused here (tRPC would answer it with an error under that id, and
      // such an answer must only ever concern the request that carried it).
      const added: (string | number)[] = [];
      for (const raw of messages) {
        const msg = raw as { id: string | number; method: string };
        if (msg.method === 'subscription.stop') continue;
        if (pending.has(msg.id) || running.has(msg.id) || added.includes(msg.id)) {
          send(errorFrame(msg.id, 'BAD_REQUEST', 400, 'Duplicate id', 'MALFORMED_REQUEST'));
          return true;
        }
        if (msg.method !== 'subscription') continue;
        if (pending.size + running.size + added.length >= config.WS_MAX_SUBSCRIPTIONS) {
          send(errorFrame(msg.id, 'TOO_MANY_REQUESTS', 429, 'Too many subscriptions on this connection', 'RATE_LIMITED'));
          return true;
        }
        added.push(msg.id);
      }
      for (const id of added) pending.add(id);
      return emit(event, ...args);
    }) as WebSocket['emit'];
  }

  let lastRefusalLog = 0;
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = (req.url ?? '').split('?')[0];
    if (pathname !== WS_PATH) return refuse(socket, '404 Not Found');
    const origin = req.headers.origin;
    const ip = services.clientIp(req);
    if (!origin || !allowed.has(origin)) {
      void services.securityEvents
        .record({ type: 'ws.origin_refused', severity: 'warning', ip, userAgent: req.headers['user-agent'] ?? null, details: { origin: origin ?? null } })
        .catch(() => undefined);
      return refuse(socket, '403 Forbidden');
    }
    const verdict = slots.acquire(ip);
    if (verdict !== 'ok') {
      // A flood would write one line per refused socket: at most one a minute.
      if (Date.now() - lastRefusalLog > 60_000) {
        lastRefusalLog = Date.now();
        logger.warn({ ip, limit: verdict, open: slots.open }, 'WebSocket refused: connection limit reached');
      }
      return verdict === 'address' ? refuse(socket, '429 Too Many Requests', 'Retry-After: 10\r\n') : refuse(socket, '503 Service Unavailable', 'Retry-After: 10\r\n');
    }
    // The slot belongs to the TCP socket: released however it ends (close, error, failed handshake).
    socket.once('close', () => slots.release(ip));
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
