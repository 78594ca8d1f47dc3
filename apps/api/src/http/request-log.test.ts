import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { requestLog } from './request-log.ts';

describe('request log', () => {
  const lines: Record<string, unknown>[] = [];
  let url = '';
  let close: () => void = () => undefined;
  beforeAll(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        cb();
      },
    });
    const app = express();
    app.use(requestLog(createLogger({ level: 'info', destination }), { ignore: (u) => u === '/healthz' }));
    app.get('/healthz', (_req, res) => void res.json({ ok: true }));
    app.get('/ok', (_req, res) => void res.json({ ok: true }));
    app.get('/boom', (_req, res) => void res.status(500).json({ ok: false }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterAll(() => close());

  it('writes one line per request with method, path, status and time, never the query string', async () => {
    await fetch(`${url}/ok?input=${encodeURIComponent('{"token":"s3cret-value"}')}`);
    await fetch(`${url}/invite/abcdefTOKEN`);
    await fetch(`${url}/boom`);
    await fetch(`${url}/healthz`);
    await new Promise((r) => setTimeout(r, 50));
    expect(lines.map((l) => [l.level, (l.req as { method: string; url: string }).url, (l.res as { statusCode: number }).statusCode])).toEqual([
      [30, '/ok', 200],
      [40, '/invite/[redacted]', 404],
      [50, '/boom', 500],
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/s3cret|abcdefTOKEN/);
    for (const l of lines) {
      expect(l.msg).toBe('request completed');
      expect(typeof l.responseTime).toBe('number');
      expect((l.req as { method: string }).method).toBe('GET');
    }
    expect(new Set(lines.map((l) => l.reqId)).size).toBe(3);
  });
});
