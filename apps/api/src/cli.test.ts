// The operator's view: real `jutsu` processes.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '@jutsu/db';
import { formatCheckpoint, SecurityEvents } from './security/security-events.ts';
import { runCli } from './testing/run-cli.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jutsu-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('jutsu serve in production', () => {
  it('exits non-zero naming SECRET_KEY when it is missing', async () => {
    const res = await runCli(['serve'], { NODE_ENV: 'production', PUBLIC_URL: 'https://x.example', PGLITE_DIR: path.join(tmp, 'p1') });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/SECRET_KEY is missing/);
  });

  it('exits non-zero naming SECRET_KEY when it is short, without printing it', async () => {
    const res = await runCli(['serve'], { NODE_ENV: 'production', PUBLIC_URL: 'https://x.example', SECRET_KEY: 'short-Zq81', PGLITE_DIR: path.join(tmp, 'p2') });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/SECRET_KEY is shorter than 32 bytes/);
    expect(res.stderr + res.stdout).not.toContain('short-Zq81');
  });
});

describe('jutsu audit verify', () => {
  it('passes on an intact log, names every tampered row, and holds the log to a checkpoint', async () => {
    const dir = path.join(tmp, 'audit');
    const SECRET_KEY = randomBytes(48).toString('base64');
    const db = await openDatabase({ dataDir: dir });
    const { migrate } = await import('@jutsu/db');
    await migrate(db.sql);
    const log = new SecurityEvents(db.prisma, { secretKey: SECRET_KEY });
    await log.record({ type: 'a' });
    const b = await log.record({ type: 'b' });
    await log.record({ type: 'c' });
    const d = await log.record({ type: 'd' });
    const head = formatCheckpoint(d);
    await db.close();

    const ok = await runCli(['audit', 'verify', '--checkpoint', head], { PGLITE_DIR: dir, SECRET_KEY }, { timeoutMs: 90_000 });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/intact: 4 events verified, 1 checkpoint/);

    const again = await openDatabase({ dataDir: dir });
    await again.sql.query(`UPDATE security_events SET details = '{"forged":true}' WHERE id = $1`, [b.id.toString()]);
    await again.sql.query(`DELETE FROM security_events WHERE id = $1`, [d.id.toString()]);
    await again.close();
    const bad = await runCli(['audit', 'verify'], { PGLITE_DIR: dir, SECRET_KEY }, { timeoutMs: 90_000 });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`event id ${b.id}`);
    // The checkpoint, given as a file of log lines, shows the cut end too.
    const lines = path.join(tmp, 'checkpoints.log');
    fs.writeFileSync(lines, `{"level":30,"msg":"server started"}\n{"level":30,"securityLogHead":"${head}","msg":"security log checkpoint"}\n`);
    const cut = await runCli(['audit', 'verify', '--checkpoint', lines], { PGLITE_DIR: dir, SECRET_KEY }, { timeoutMs: 90_000 });
    expect(cut.code).toBe(1);
    expect(cut.stderr).toContain(`event id ${b.id}`);
    expect(cut.stderr).toMatch(new RegExp(`event id ${d.id}: .*truncated`));
  }, 300_000); // four real processes on a shared machine
});
