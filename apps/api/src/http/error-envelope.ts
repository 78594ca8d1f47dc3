// Errors raised before tRPC runs (body parser, routing guards) in the same envelope the
// tRPC client reads, so the SPA sees one error shape everywhere.
import type { Response } from 'express';
import type { ErrorReason } from '@jutsu/shared';

const JSON_RPC_CODES: Record<string, number> = {
  BAD_REQUEST: -32600,
  PARSE_ERROR: -32700,
  UNAUTHORIZED: -32001,
  FORBIDDEN: -32003,
  NOT_FOUND: -32004,
  METHOD_NOT_SUPPORTED: -32005,
  TIMEOUT: -32008,
  PAYLOAD_TOO_LARGE: -32413,
  UNSUPPORTED_MEDIA_TYPE: -32415,
  TOO_MANY_REQUESTS: -32029,
  INTERNAL_SERVER_ERROR: -32603,
};

export function sendError(res: Response, httpStatus: number, code: keyof typeof JSON_RPC_CODES, message: string, reason?: ErrorReason): void {
  if (res.headersSent) return;
  res.status(httpStatus).json({
    error: { json: { message, code: JSON_RPC_CODES[code], data: { code, httpStatus, reason } } },
  });
}
