// Starts the run's secrets ledger (leaks/ledger.ts). Workers inherit E2E_LEAK_DIR.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LEAK_DIR_ENV } from './leaks/ledger.ts';

export default function globalSetup(): void {
  process.env[LEAK_DIR_ENV] = fs.mkdtempSync(path.join(os.tmpdir(), 'jutsu-e2e-leaks-'));
}
