// The single-process server sends the SPA precompressed: brotli or gzip by Accept-Encoding,
// the same bytes once decoded, typed by the original name, and hashed assets cached for good.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../testing/harness.ts';

const PRECOMPRESS = fileURLToPath(new URL('../../../web/scripts/precompress.mjs', import.meta.url));

const indexHtml = `<!doctype html><html><head><script type="module" src="/assets/index-AbC123.js"></script></head><body>${'<div>shell</div>'.repeat(50)}</body></html>`;
const js = `export const words = ${JSON.stringify(Array.from({ length: 400 }, (_, i) => `word${i}`))};\n`;
const css = `${Array.from({ length: 200 }, (_, i) => `.c${i}{color:red}`).join('\n')}\n`;

/** A raw GET that leaves the body encoded (fetch would decode it behind our back). */
async function rawGet(url: string, headers: Record<string, string>) {
  const { request } = await import('node:http');
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

describe('static SPA serving with precompressed variants', () => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jutsu-static-'));
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'index.html'), indexHtml);
    fs.writeFileSync(path.join(dir, 'assets', 'index-AbC123.js'), js);
    fs.writeFileSync(path.join(dir, 'assets', 'index-DeF456.css'), css);
    fs.writeFileSync(path.join(dir, 'assets', 'tiny-Gh789.js'), 'x');
    // The build's own precompression step writes the variants.
    await promisify(execFile)(process.execPath, [PRECOMPRESS, dir]);
    h = await startHarness({ STATIC_DIR: dir });
  });
  afterAll(async () => {
    await h?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const cases = [
    { path: '/assets/index-AbC123.js', raw: js, type: /^text\/javascript|^application\/javascript/ },
    { path: '/assets/index-DeF456.css', raw: css, type: /^text\/css/ },
    { path: '/index.html', raw: indexHtml, type: /^text\/html/ },
    { path: '/login', raw: indexHtml, type: /^text\/html/ },
  ];

  for (const c of cases) {
    it(`${c.path}: br → Content-Encoding br, decoding to the same bytes`, async () => {
      const res = await rawGet(`${h.url}${c.path}`, { 'accept-encoding': 'gzip, deflate, br' });
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding']).toBe('br');
      expect(res.headers['content-type']).toMatch(c.type);
      expect(res.headers.vary).toMatch(/Accept-Encoding/i);
      expect(res.body.length).toBeLessThan(Buffer.byteLength(c.raw));
      expect(zlib.brotliDecompressSync(res.body).toString()).toBe(c.raw);
    });

    it(`${c.path}: gzip only → Content-Encoding gzip, decoding to the same bytes`, async () => {
      const res = await rawGet(`${h.url}${c.path}`, { 'accept-encoding': 'gzip' });
      expect(res.headers['content-encoding']).toBe('gzip');
      expect(res.headers['content-type']).toMatch(c.type);
      expect(zlib.gunzipSync(res.body).toString()).toBe(c.raw);
    });

    it(`${c.path}: no Accept-Encoding → identity`, async () => {
      const res = await rawGet(`${h.url}${c.path}`, {});
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(res.headers['content-type']).toMatch(c.type);
      expect(res.headers.vary).toMatch(/Accept-Encoding/i);
      expect(res.body.toString()).toBe(c.raw);
    });
  }

  it('refuses an encoding the client turned off (br;q=0 → gzip)', async () => {
    const res = await rawGet(`${h.url}/assets/index-AbC123.js`, { 'accept-encoding': 'br;q=0, gzip' });
    expect(res.headers['content-encoding']).toBe('gzip');
  });

  it('sends a file too small to compress as is, even when br is accepted', async () => {
    const res = await rawGet(`${h.url}/assets/tiny-Gh789.js`, { 'accept-encoding': 'br, gzip' });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.body.toString()).toBe('x');
  });

  it('caches hashed assets as immutable and revalidates the shell', async () => {
    const asset = await rawGet(`${h.url}/assets/index-AbC123.js`, { 'accept-encoding': 'br' });
    expect(asset.headers['cache-control']).toMatch(/immutable/);
    expect(asset.headers['cache-control']).toMatch(/max-age=31536000/);
    for (const p of ['/index.html', '/login']) {
      const shell = await rawGet(`${h.url}${p}`, { 'accept-encoding': 'br' });
      expect(shell.headers['cache-control']).toBe('no-cache');
    }
  });

  it('never serves the .br/.gz files or dotfiles as URLs, and an unknown asset is a 404, not the shell', async () => {
    fs.writeFileSync(path.join(dir, '.env'), 'SECRET=1');
    for (const p of ['/assets/index-AbC123.js.br', '/assets/index-AbC123.js.gz', '/assets/missing-Zz.js']) {
      const res = await rawGet(`${h.url}${p}`, { 'accept-encoding': 'br' });
      expect(res.status).toBe(404);
    }
    const dot = await rawGet(`${h.url}/.env`, {});
    expect(dot.body.toString()).not.toContain('SECRET');
  });
});
