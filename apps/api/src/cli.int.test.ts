// Database credentials never reach the logs of a real `jutsu serve` process.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createServerDatabase, testDatabaseKind } from '@jutsu/db/testing';
import { runCli } from './testing/run-cli.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jutsu-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe.runIf(testDatabaseKind() === 'postgres')('database credentials in logs', () => {
  it('never logs the database password, only the redacted URL', async () => {
    const server = await createServerDatabase();
    try {
      // The local server trusts loopback, so any password connects: good for proving redaction.
      const u = new URL(server.url);
      u.username = 'postgres';
      u.password = 'Sup3r-Secret-DB-pw';
      const res = await runCli(['serve'], { DATABASE_URL: u.toString(), PORT: '0', PGLITE_DIR: path.join(tmp, 'pg'), LOG_LEVEL: 'debug' }, { until: /listening/, timeoutMs: 40_000 });
      const out = res.stdout + res.stderr;
      expect(out).toMatch(/listening/);
      expect(out).toContain('postgresql://postgres:****@');
      expect(out).not.toContain('Sup3r-Secret-DB-pw');
      // SIGTERM (sent on "listening") stops the server, then the workers, and exits 0.
      expect(res.code, out).toBe(0);
    } finally {
      await server.drop();
    }
  });
});
