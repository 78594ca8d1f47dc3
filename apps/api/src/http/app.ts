// The Express application: hardening, health, the tRPC mounts and the SPA.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import cors from 'cors';
import express, { type ErrorRequestHandler, type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { safeUrlForLog } from '../logger.ts';
import { requestLog } from './request-log.ts';
import type { AppServices } from '../services.ts';
import type { AnyTRPCRouter } from '@trpc/server';
import { isSessionProcedure, MAX_BATCH_SIZE } from '@jutsu/shared';
import { readiness } from '../system/readiness.ts';
import { createHttpContext } from '../trpc/context.ts';
import { sendError } from './error-envelope.ts';
import { securityHeaders } from './security-headers.ts';

/** One path segment of literal procedure names (dotted identifiers), comma-separated. */
const PROCEDURE_PATH = /^\/[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*(?:,[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*)*$/;

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

/** One file of the built SPA and the precompressed variants written beside it at build time. */
interface StaticFile {
  file: string;
  hashed: boolean;
  br: boolean;
  gz: boolean;
}

/** Every servable file under dir, keyed by URL path; dotfiles and the .br/.gz variants are not URLs. */
function staticFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const rel = path.relative(dir, file).split(path.sep);
    if (rel.some((part) => part.startsWith('.')) || /\.(br|gz)$/.test(entry.name)) continue;
    files.set(`/${rel.join('/')}`, {
      file,
      hashed: rel[0] === 'assets',
      br: fs.existsSync(`${file}.br`),
      gz: fs.existsSync(`${file}.gz`),
    });
  }
  return files;
}

/** The precompressed variant the client accepts at all (q > 0), brotli first as the smaller; else identity. */
function pickEncoding(req: Request, file: StaticFile): 'br' | 'gzip' | undefined {
  if (file.br && req.acceptsEncodings('br') === 'br') return 'br';
  if (file.gz && req.acceptsEncodings('gzip') === 'gzip') return 'gzip';
  return undefined;
}

function sendStatic(req: Request, res: Response, file: StaticFile, cacheControl: string, next: NextFunction): void {
  const encoding = pickEncoding(req, file);
  res.setHeader('Vary', 'Accept-Encoding');
  // Typed by the original name, not by the .br/.gz file actually sent.
  res.type(path.extname(file.file));
  if (encoding) res.setHeader('Content-Encoding', encoding);
  res.sendFile(encoding ? `${file.file}.${encoding === 'br' ? 'br' : 'gz'}` : file.file, {
    headers: { 'Cache-Control': cacheControl },
    cacheControl: false,
    dotfiles: 'allow',
    acceptRanges: !encoding,
  }, (err?: Error) => {
    if (err && !res.headersSent) next(err);
  });
}

export function createApp(services: AppServices, router: AnyTRPCRouter): Express {
  const { config, logger } = services;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', services.trust);
  app.set('query parser', 'simple');

  app.use(requestLog(logger, { ignore: (url) => url === '/healthz' || url === '/readyz' }));
  app.use(securityHeaders({ production: config.isProduction }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const { httpStatus, report } = await readiness(services);
    res.status(httpStatus).json(report);
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

  // tRPC runs the procedures named by the last path segment, URL-decoded and split on ','.
  // Both mounts accept only a single segment of literal procedure names, so what is checked
  // here (and what nginx's auth zone matches) is exactly what tRPC will run: no
  // /api/trpc/x/auth.login, no /api/trpc/%61uth.login.
  const procedureNames = (req: express.Request): string[] | undefined =>
    PROCEDURE_PATH.test(req.path) ? req.path.slice(1).split(',') : undefined;

  // The cookie-bearing mount: one auth.* procedure per request, same-origin JSON POSTs only.
  const authGuard: RequestHandler = (req, res, next) => {
    const procs = procedureNames(req);
    if (!procs || procs.length !== 1 || !isSessionProcedure(procs[0]!) || req.query.batch !== undefined) {
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
  app.use('/api/auth', authGuard, createExpressMiddleware({ router, createContext, onError, maxBodySize, maxBatchSize: 1 }));

  // Everything else; session procedures are refused here so cookies only flow via /api/auth.
  const notAuth: RequestHandler = (req, res, next) => {
    const procs = procedureNames(req);
    if (!procs) {
      sendError(res, 404, 'NOT_FOUND', 'No such procedure');
      return;
    }
    if (procs.some((p) => p.startsWith('auth.') || isSessionProcedure(p))) {
      sendError(res, 404, 'NOT_FOUND', 'auth procedures are served at /api/auth');
      return;
    }
    if (procs.length > MAX_BATCH_SIZE) {
      sendError(res, 400, 'BAD_REQUEST', `At most ${MAX_BATCH_SIZE} calls per batch`, 'MALFORMED_REQUEST');
      return;
    }
    next();
  };
  app.use('/api/trpc', notAuth, createExpressMiddleware({ router, createContext, onError, maxBodySize, maxBatchSize: MAX_BATCH_SIZE }));
  app.use('/api', (_req, res) => sendError(res, 404, 'NOT_FOUND', 'Not found'));

  const staticDir = findStaticDir(config.STATIC_DIR);
  if (staticDir) {
    const files = staticFiles(staticDir);
    const index = files.get('/index.html');
    app.use((req, res, next) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return next();
      const file = files.get(req.path);
      // Hashed build output never changes under its name; anything else is revalidated.
      if (file) return sendStatic(req, res, file, file.hashed ? 'public, max-age=31536000, immutable' : 'no-cache', next);
      // An unknown asset is a 404, never the SPA shell (a stale tab would parse HTML as JS).
      if (req.path.startsWith('/assets/') || !index) return next();
      // History fallback: client-side routes get the SPA shell.
      sendStatic(req, res, index, 'no-cache', next);
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
