// Request context for HTTP and WebSocket calls. Building it never throws: the token is
// only read here and verified by the auth middleware of procedures that need it.
import type { IncomingMessage } from 'node:http';
import type { Request, Response } from 'express';
import type { WebSocket } from 'ws';
import type { AuthState } from '../auth/auth-state.ts';
import type { AppServices } from '../services.ts';

export type { AuthState } from '../auth/auth-state.ts';

/** What a handler adds to the audit event its procedure's meta declares. */
export interface AuditNote {
  userId?: string | null;
  username?: string | null;
  details?: Record<string, unknown>;
  severity?: 'info' | 'warning' | 'critical';
  /** The handler decided nothing happened worth a row (e.g. a refresh with no cookie at all). */
  skip?: boolean;
}

export interface Context {
  services: AppServices;
  transport: 'http' | 'ws';
  req: IncomingMessage;
  /** Present for HTTP calls (cookies, headers). */
  res: Response | undefined;
  /** Present for WebSocket calls: closed when the session ends. */
  ws: WebSocket | undefined;
  ip: string;
  userAgent: string | undefined;
  accessToken: string | undefined;
  audit: AuditNote;
}

function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer ([A-Za-z0-9._~+/=-]{1,4096})$/.exec(header.trim());
  return m?.[1];
}

export function createHttpContext(services: AppServices, req: Request, res: Response): Context {
  return {
    services,
    transport: 'http',
    req,
    res,
    ws: undefined,
    ip: req.ip ?? req.socket.remoteAddress ?? 'unknown',
    userAgent: req.get('user-agent')?.slice(0, 512),
    accessToken: bearer(req.get('authorization')),
    audit: {},
  };
}

export function createWsContext(
  services: AppServices,
  req: IncomingMessage,
  ws: WebSocket,
  connectionParams: Record<string, string> | null,
): Context {
  const token = connectionParams?.token;
  return {
    services,
    transport: 'ws',
    req,
    res: undefined,
    ws,
    ip: services.clientIp(req),
    userAgent: req.headers['user-agent']?.slice(0, 512),
    accessToken: typeof token === 'string' && token.length <= 4096 ? token : undefined,
    audit: {},
  };
}

export type AuthedContext = Context & { auth: AuthState };
