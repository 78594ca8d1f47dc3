// Operator commands: `jutsu backup create [--out FILE]`, `jutsu backup restore FILE [--yes]`.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { CommandTable } from '../cli-support.ts';
import { loadConfig } from '../config.ts';
import { Keyring } from '../security/keyring.ts';
import { BackupError } from './archive.ts';
import { createBackup, restoreBackup } from './service.ts';

function target() {
  const config = loadConfig();
  return { config, target: { databaseUrl: config.DATABASE_URL, pgliteDir: config.PGLITE_DIR }, keyring: Keyring.parse(config.ENCRYPTION_KEYS) };
}

export const BACKUP_COMMANDS: CommandTable = {
  'backup create': {
    help: 'write the whole database to one file (never the keys): [--out FILE]; stop the API first on the embedded database',
    run: async (args) => {
      const { values } = parseArgs({ args, options: { out: { type: 'string' } }, strict: true });
      const { target: t, keyring } = target();
      const out = values.out ?? `jutsu-backup-${new Date().toISOString().replace(/[:.]/g, '-')}.jbak`;
      const { file, manifest } = await createBackup(t, keyring);
      fs.writeFileSync(out, file, { mode: 0o600, flag: 'wx' });
      console.log(`backup written to ${out}: ${manifest.kind} database, ${file.length} bytes, last migration ${manifest.lastMigration ?? 'none'}`);
      console.log(`it needs these ENCRYPTION_KEYS ids to restore: ${Object.keys(manifest.keys).join(', ') || '(none)'} — keep the keys apart from the backup`);
      return 0;
    },
  },
  'backup restore': {
    help: 'replace the database with a backup: FILE [--yes]; checks the file and the keys first, changes nothing without --yes',
    run: async (args) => {
      const { values, positionals } = parseArgs({ args, options: { yes: { type: 'boolean' } }, allowPositionals: true, strict: true });
      const path = positionals[0];
      if (!path) {
        console.error('usage: jutsu backup restore FILE [--yes]');
        return 2;
      }
      const { target: t, keyring } = target();
      try {
        const report = await restoreBackup(t, keyring, fs.readFileSync(path), { confirm: values.yes === true });
        console.log(`restored the ${report.kind} database from ${path}: ${report.encryptedValues} encrypted values decrypt with the current keys`);
        if (report.previousDataDir) console.log(`the previous data directory was kept at ${report.previousDataDir}`);
        if (report.migrationsApplied.length) console.log(`then applied ${report.migrationsApplied.length} newer migrations`);
        console.log('run `jutsu audit verify` to check the security log');
        return 0;
      } catch (err) {
        if (!(err instanceof BackupError)) throw err;
        console.error(`jutsu backup restore: ${err.message}`);
        return err.kind === 'not_confirmed' ? 2 : 1;
      }
    },
  },
};
