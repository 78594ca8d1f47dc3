// One log line per HTTP request, written when the answer is finished (or the client went
// away): method, path without the query (safeUrlForLog), status, time taken and a request
// number, at warn for 4xx (and an answer cut short) and error for 5xx. The same fields pino-http wrote, without its two
// child loggers and serialised request per call.
import type { RequestHandler } from 'express';
import type { Logger } from '../logger.ts';
import { safeUrlForLog } from '../logger.ts';

export function requestLog(logger: Logger, opts: { ignore?: (url: string) => boolean } = {}): RequestHandler {
  let seq = 0;
  return (req, res, next) => {
    const url = req.originalUrl || req.url;
    if (opts.ignore?.(url)) return next();
    const reqId = ++seq;
    const started = performance.now();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      res.off('finish', finish);
      res.off('close', finish);
      const statusCode = res.statusCode;
      const completed = res.writableFinished;
      const level = statusCode >= 500 ? 'error' : statusCode >= 400 || !completed ? 'warn' : 'info';
      logger[level](
        { reqId, req: { method: req.method, url: safeUrlForLog(url) }, res: { statusCode }, responseTime: Math.round(performance.now() - started) },
        completed ? 'request completed' : 'request aborted',
      );
    };
    res.on('finish', finish);
    res.on('close', finish);
    next();
  };
}
