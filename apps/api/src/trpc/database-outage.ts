// A request that failed because the database could not be reached (stopped, restarting, a
// failover) is answered 503 DATABASE_UNAVAILABLE rather than 500: the client may retry, and
// the answer names nothing about the database. The pool reconnects by itself afterwards.
import { appError } from './errors.ts';
import { t } from './init.ts';

/** Connection-level failures: socket errors, PostgreSQL's "shutting down / starting up" and connection-exception classes, Prisma's "cannot reach". */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'P1001', 'P1002', 'P1017', '57P01', '57P02', '57P03']);
const UNAVAILABLE_MESSAGE = /Connection terminated|is not queryable|timeout exceeded when trying to connect|connection (?:is )?(?:closed|ended)|Can't reach database server|Server has closed the connection|the database system is (?:starting up|shutting down)|terminating connection due to administrator command/i;

export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e = err; e && typeof e === 'object' && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const { code, message, originalCode } = e as { code?: unknown; message?: unknown; originalCode?: unknown };
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
    if (typeof originalCode === 'string' && (UNAVAILABLE_CODES.has(originalCode) || originalCode.startsWith('08'))) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
  }
  return false;
}

export const databaseOutageMiddleware = t.middleware(async ({ ctx, path, next }) => {
  const result = await next();
  if (!result.ok && result.error.code === 'INTERNAL_SERVER_ERROR' && isDatabaseUnavailable(result.error.cause)) {
    ctx.services.logger.warn({ err: result.error.cause, path }, 'database unavailable');
    throw appError('SERVICE_UNAVAILABLE', 'DATABASE_UNAVAILABLE', 'The service is briefly unavailable. Try again in a moment.');
  }
  return result;
});
