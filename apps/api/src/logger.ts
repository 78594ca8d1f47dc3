// pino with redaction: secrets never reach a log line, whatever a caller passes in.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Paths pino blanks out wherever they appear in a logged object. */
export const REDACT_PATHS = [
  'password',
  'currentPassword',
  'newPassword',
  'token',
  'accessToken',
  'refreshToken',
  'challengeToken',
  'code',
  'secret',
  'cookie',
  'authorization',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.challengeToken',
  '*.code',
  '*.secret',
  '*.cookie',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["sec-websocket-protocol"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
];

export function createLogger(opts: { level: string; destination?: DestinationStream; name?: string }): Logger {
  return pino(
    {
      name: opts.name ?? 'jutsu',
      level: opts.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination,
  );
}

/**
 * What of a URL is safe to log: the path, with tokens in known link shapes masked and the
 * query string dropped (tRPC GET inputs and OAuth callbacks carry secrets there).
 */
export function safeUrlForLog(url: string | undefined): string {
  if (!url) return '';
  const pathOnly = url.split('?')[0] ?? '';
  return pathOnly.replace(/\/(invite|not-me)\/[^/]+/g, '/$1/[redacted]');
}
