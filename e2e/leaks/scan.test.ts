import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LedgerEntry } from './ledger.ts';
import { describeFindings, needlesFor, scanDirectory, scanText } from './scan.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'leak-scan-test-'));
  dirs.push(d);
  return d;
}

const token = () => randomBytes(32).toString('base64url');
const noise = (n: number) => randomBytes(n).toString('hex');

describe('leak scan', () => {
  it('finds a planted secret in each form, and names kind, form and file but never the secret', () => {
    const secrets: LedgerEntry[] = [
      { kind: 'password', value: 'lantern orbit cactus meadow' },
      { kind: 'refresh token', value: token() },
      { kind: 'TOTP secret', value: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' },
      { kind: 'backup code', value: 'AB3DE-7GH9K' },
      { kind: 'Schwab client secret', value: 'e2e-client-secret' },
    ];
    const [password, refresh, totp, backup, client] = secrets.map((s) => s.value) as [string, string, string, string, string];
    const dir = tempDir();
    const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), `${noise(200)}\n${text}\n${noise(200)}`);
    write('plain.log', `{"msg":"sign-in","password":"${password}"}`);
    write('urlencoded.log', `GET /x?p=${encodeURIComponent(password).replace(/%20/g, '+')}`);
    // Inside longer base64 values, at each of the three byte offsets.
    write('base64.log', `Authorization: Basic ${Buffer.from(`e2e-client:${client}`).toString('base64')}`);
    write('base64-shift1.log', Buffer.from(`x${refresh}y`).toString('base64'));
    write('base64url.log', `jwt ${Buffer.from(JSON.stringify({ t: totp })).toString('base64url')}`);
    write('hex.sql', `INSERT INTO t VALUES ('\\x${Buffer.from(refresh).toString('hex')}');`);
    write('hex-upper.log', Buffer.from(totp).toString('hex').toUpperCase());
    write('backup-loose.log', `code=${backup.toLowerCase().replace('-', '')}`);
    write('clean.log', `{"msg":"sign-in","user":"owner"}`);

    const { files, findings } = scanDirectory(dir, secrets);
    expect(files).toBe(9);
    const got = findings.map((f) => `${f.file}: ${f.kind} (${f.encoding})`);
    // A base64 core without + / - _ reads the same in both alphabets: either may be named too.
    for (const expected of [
      'backup-loose.log: backup code (plain)',
      'base64-shift1.log: refresh token (base64)',
      'base64.log: Schwab client secret (base64)',
      'base64url.log: TOTP secret (base64url)',
      'hex-upper.log: TOTP secret (hex)',
      'hex.sql: refresh token (hex)',
      'plain.log: password (plain)',
      'urlencoded.log: password (url-encoded)',
    ]) {
      expect(got).toContain(expected);
    }
    expect(new Set(findings.map((f) => f.file)).size).toBe(8);
    expect(findings.some((f) => f.file === 'clean.log')).toBe(false);
    const message = describeFindings(findings);
    for (const s of secrets) expect(message).not.toContain(s.value);
  });

  it('finds nothing in a log without the secrets, even one full of other tokens', () => {
    const secrets: LedgerEntry[] = [{ kind: 'access token', value: token() }];
    const text = Array.from({ length: 1000 }, () => `${token()} ${Buffer.from(token()).toString('base64')} ${noise(32)}`).join('\n');
    expect(scanText(text, secrets, 'x.log')).toEqual([]);
  });

  it('looks for every form of a secret at all three base64 offsets', () => {
    const secret = token();
    const forms = needlesFor(secret);
    for (const shift of [0, 1, 2]) {
      const blob = Buffer.concat([randomBytes(shift), Buffer.from(secret), randomBytes(5)]);
      for (const alphabet of ['base64', 'base64url'] as const) {
        const encoded = blob.toString(alphabet);
        expect(forms.some((n) => n.encoding === alphabet && encoded.includes(n.text))).toBe(true);
      }
    }
  });
});
