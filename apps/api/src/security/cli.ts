// Operator commands for the keyring that encrypts secrets at rest (TOTP secrets, later
// Schwab tokens): keys generate, keys rotate.
import { parseArgs } from 'node:util';
import { withDatabase, type CommandTable } from '../cli-support.ts';
import { loadConfig } from '../config.ts';
import { systemActor } from './actor.ts';
import { rotateEncryptionKeys } from './key-rotation.ts';
import { describeProblems, Keyring } from './keyring.ts';
import { SecurityEvents } from './security-events.ts';

export const KEY_COMMANDS: CommandTable = {
  'keys generate': {
    help: 'print a new ENCRYPTION_KEYS entry (id:base64key): [--id <id>]',
    run: async (args) => {
      const { values } = parseArgs({ args, options: { id: { type: 'string' } }, strict: true });
      let entry: string;
      try {
        entry = Keyring.generateEntry(values.id);
      } catch (err) {
        console.error((err as Error).message);
        return 2;
      }
      console.log(entry);
      console.error(
        'Put it FIRST in ENCRYPTION_KEYS and keep the current keys after it (first encrypts, all decrypt), ' +
          'restart every API process, then run `jutsu keys rotate`. Keep it secret: it is shown only this once.',
      );
      return 0;
    },
  },

  'keys rotate': {
    help: 're-encrypt every stored secret with the first ENCRYPTION_KEYS key',
    run: async () => {
      const config = loadConfig();
      const keyring = Keyring.parse(config.ENCRYPTION_KEYS);
      if (!keyring.configured) {
        console.error('ENCRYPTION_KEYS is not set: there is no key to rotate to.');
        return 1;
      }
      return withDatabase(async (db) => {
        const report = await rotateEncryptionKeys({ prisma: db.prisma, keyring, securityEvents: new SecurityEvents(db.prisma) }, systemActor('cli'));
        for (const c of report.columns) {
          console.log(`${c.column}: ${c.rotated} re-encrypted, ${c.alreadyCurrent} already on "${report.primaryKeyId}"${c.changedMeanwhile ? `, ${c.changedMeanwhile} changed meanwhile (run again)` : ''}`);
        }
        if (report.problems.length) {
          console.error(`Some stored secrets could not be decrypted and were left as they are:\n  - ${describeProblems(report.problems).join('\n  - ')}`);
          console.error('Add the key they need to ENCRYPTION_KEYS (after the first) and run jutsu keys rotate again. Do not remove any key yet.');
          return 1;
        }
        if (report.columns.some((c) => c.changedMeanwhile > 0)) {
          console.error('Some values changed while rotating: run jutsu keys rotate again before removing old keys.');
          return 1;
        }
        const old = keyring.keyIds.slice(1);
        console.log(
          old.length
            ? `Every stored secret now uses key "${report.primaryKeyId}". You can remove ${old.map((k) => `"${k}"`).join(', ')} from ENCRYPTION_KEYS.`
            : `Every stored secret uses key "${report.primaryKeyId}".`,
        );
        return 0;
      });
    },
  },

};
