// The Express application: hardening, health, the tRPC mounts and the SPA.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import cors from 'cors';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import { safeUrlForLog } from '../logger.ts';
import type { AppServices } from '../services.ts';
import type { AnyTRPCRouter } from '@trpc/server';
import { isSessionProcedure } from '@jutsu/shared';
import { createHttpContext } from '../trpc/context.ts';
import { sendError } from './error-envelope.ts';
import { securityHeaders } from './security-headers.ts';

/** The built SPA: STATIC_DIR, or apps/web/dist found by walking up from this module. */
export function findStaticDir(configured: string | undefined): string | undefined {
  if (configured) return fs.existsSync(path.join(configured, 'index.html')) ? path.resolve(configured) : undefined;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'apps', 'web', 'dist');
    if (fs.existsSync(path.join(candidate, 'index.html'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function createApp(services: AppServices, router: AnyTRPCRouter): Express {
  const { config, logger } = services;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', services.trust);
  app.set('query parser', 'simple');

  app.use(
    pinoHttp({
      logger,
      quietReqLogger: true,
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, url: safeUrlForLog(req.url) }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );
  app.use(securityHeaders({ production: config.isProduction }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await services.db.sql.query('SELECT 1');
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'unavailable' });
    }
  });

  const allowedOrigins = new Set(config.CORS_ORIGINS);
  app.use(
    '/api',
    cors({
      origin: (origin, cb) => cb(null, origin !== undefined && allowedOrigins.has(origin)),
      credentials: true,
      maxAge: 600,
    }),
  );
  app.use('/api', express.json({ limit: Math.round(config.MAX_REQUEST_SIZE_MB * 1024 * 1024), strict: true }));

  const createContext = ({ req, res }: { req: express.Request; res: express.Response }) => createHttpContext(services, req, res);
  const onError = ({ error, path: p }: { error: { code: string; message: string; cause?: unknown }; path?: string | undefined }) => {
    if (error.code === 'INTERNAL_SERVER_ERROR') logger.error({ err: error.cause ?? error, path: p }, 'procedure failed');
  };
  const maxBodySize = Math.round(config.MAX_REQUEST_SIZE_MB * 1024 * 1024);

  // The cookie-bearing mount: one auth.* procedure per request, same-origin JSON POSTs only.
  const authGuard: RequestHandler = (req, res, next) => {
    const proc = req.path.slice(1);
    if (!isSessionProcedure(proc) || req.query.batch !== undefined) {
      sendError(res, 404, 'NOT_FOUND', 'No such auth procedure');
      return;
    }
    if (req.method === 'POST') {
      const origin = req.get('origin');
      if (origin !== undefined && !allowedOrigins.has(origin)) {
        sendError(res, 403, 'FORBIDDEN', 'Origin not allowed', 'ORIGIN_NOT_ALLOWED');
        return;
      }
      if (!req.is('application/json')) {
        sendError(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Send JSON');
        return;
      }
    }
    next();
  };
  app.use('/api/auth', authGuard, createExpressMiddleware({ router, createContext, onError, maxBodySize }));

  // Everything else; session procedures are refused here so cookies only flow via /api/auth.
  const notAuth: RequestHandler = (req, res, next) => {
    const procs = req.path.slice(1).split(',');
    if (procs.some((p) => p.startsWith('auth.') || isSessionProcedure(p))) {
      sendError(res, 404, 'NOT_FOUND', 'auth procedures are served at /api/auth');
      return;
    }
    next();
  };
  app.use('/api/trpc', notAuth, createExpressMiddleware({ router, createContext, onError, maxBodySize }));
  app.use('/api', (_req, res) => sendError(res, 404, 'NOT_FOUND', 'Not found'));

  const staticDir = findStaticDir(config.STATIC_DIR);
  if (staticDir) {
    const index = path.join(staticDir, 'index.html');
    app.use('/assets', express.static(path.join(staticDir, 'assets'), { immutable: true, maxAge: '1y', index: false, fallthrough: false }));
    app.use(express.static(staticDir, { index: false, dotfiles: 'deny' }));
    // History fallback: client-side routes get the SPA shell.
    app.use((req, res, next) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return next();
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(index);
    });
  } else {
    logger.warn('no built SPA found (apps/web/dist): serving the API only');
  }
  app.use((_req, res) => {
    res.status(404).json({ status: 'not found' });
  });

  const errorHandler: ErrorRequestHandler = (err: { type?: string; status?: number }, req, res, _next) => {
    if (err.type === 'entity.too.large') return sendError(res, 413, 'PAYLOAD_TOO_LARGE', 'Request body too large', 'PAYLOAD_TOO_LARGE');
    if (err.type === 'entity.parse.failed') return sendError(res, 400, 'PARSE_ERROR', 'Malformed JSON', 'MALFORMED_REQUEST');
    if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported') return sendError(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported encoding');
    if (err.status === 404) return sendError(res, 404, 'NOT_FOUND', 'Not found');
    logger.error({ err, url: safeUrlForLog(req.url) }, 'unhandled request error');
    sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
  };
  app.use(errorHandler);
  return app;
}
