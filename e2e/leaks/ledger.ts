// The run's ledger of secrets: every password typed, token received, TOTP secret scanned,
// backup code shown, Schwab token issued and key handed to a stack is appended here, and every
// stack keeps its logs and a dump of its database under the same directory. The global
// teardown (global-teardown.ts) then looks for each secret in each artifact. The directory is
// made by global-setup.ts and named in E2E_LEAK_DIR; without it (a spec run by hand through
// another config) recording does nothing.
import fs from 'node:fs';
import path from 'node:path';

export const LEAK_DIR_ENV = 'E2E_LEAK_DIR';

/** What a secret is, named in a finding (never the value). */
export type SecretKind =
  | 'password'
  | 'access token'
  | 'refresh token'
  | 'TOTP secret'
  | 'backup code'
  | 'invitation token'
  | 'not-me token'
  | 'Schwab access token'
  | 'Schwab refresh token'
  | 'Schwab client secret'
  | 'server key';

export interface LedgerEntry {
  kind: SecretKind;
  value: string;
}

function runDir(): string | null {
  const dir = process.env[LEAK_DIR_ENV];
  return dir && fs.existsSync(dir) ? dir : null;
}

export function ledgerFile(dir: string): string {
  return path.join(dir, 'secrets.jsonl');
}

export function artifactsRoot(dir: string): string {
  return path.join(dir, 'artifacts');
}

/** Appends a secret to the ledger (synchronously: a spec may end right after). */
export function recordSecret(kind: SecretKind, value: string | null | undefined): void {
  const dir = runDir();
  if (!dir || !value) return;
  fs.appendFileSync(ledgerFile(dir), `${JSON.stringify({ kind, value } satisfies LedgerEntry)}\n`, { mode: 0o600 });
}

export function readLedger(dir: string): LedgerEntry[] {
  const file = ledgerFile(dir);
  if (!fs.existsSync(file)) return [];
  const seen = new Set<string>();
  const out: LedgerEntry[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const entry = JSON.parse(line) as LedgerEntry;
    const key = `${entry.kind}\0${entry.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(entry);
  }
  return out;
}

/** A fresh directory for one stack's logs and dump, or null when no run is being recorded. */
export function artifactDir(label: string): string | null {
  const dir = runDir();
  if (!dir) return null;
  const root = artifactsRoot(dir);
  fs.mkdirSync(root, { recursive: true });
  return fs.mkdtempSync(path.join(root, `${label.replace(/[^A-Za-z0-9_-]/g, '_')}-`));
}
