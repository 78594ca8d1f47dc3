// Operator commands for two-factor sign-in: users reset-2fa (owner recovery),
// import-legacy-2fa (from the earlier system). Key commands live in security/cli.ts.
import { parseArgs } from 'node:util';
import { redactDatabaseUrl, type Database } from '@jutsu/db';
import { withDatabase, type CommandTable } from '../cli-support.ts';
import { resetTwoFactor } from './reset.ts';
import { Sessions } from '../auth/sessions.ts';
import { loadConfig, type Config } from '../config.ts';
import { LiveBus } from '../http/live-bus.ts';
import { createLogger } from '../logger.ts';
import { Alerts } from '../security/alerts.ts';
import { Keyring } from '../security/keyring.ts';
import { Mailer } from '../security/mailer.ts';
import { SecurityEvents, type SecurityEventInput } from '../security/security-events.ts';
import { importLegacyTwoFactor, LegacyImportError, readLegacyDatabase, readLegacyJsonFile } from './legacy-import.ts';

/** Records an event; a critical one also goes to the alert outbox (sent now if possible). */
async function recordEvent(db: Database, config: Config, input: SecurityEventInput): Promise<void> {
  const event = await new SecurityEvents(db.prisma).record(input);
  if (event.severity !== 'critical') return;
  const mailer = Mailer.fromConfig(config);
  const alerts = new Alerts(db.prisma, config, createLogger({ level: 'warn' }), mailer);
  try {
    await alerts.enqueue(event);
    await alerts.kick(); // what fails here stays pending for the server to retry
  } finally {
    mailer?.close();
  }
}

export const TWO_FACTOR_COMMANDS: CommandTable = {
  'users reset-2fa': {
    help: 'turn off two-factor sign-in for an account (owner recovery): users reset-2fa <username>',
    run: async (args) => {
      const name = args[0]?.normalize('NFKC').toLowerCase().trim();
      if (!name || args.length > 1) {
        console.error('usage: jutsu users reset-2fa <username>');
        return 2;
      }
      const config = loadConfig();
      return withDatabase(async (db) => {
        const user = await db.prisma.user.findUnique({ where: { username: name } });
        if (!user) {
          console.error(`no user ${name}`);
          return 1;
        }
        const sessions = new Sessions(db.prisma, new LiveBus(db.sql, createLogger({ level: 'warn' })), { lifetimeMs: 0, idleMs: 0 });
        const reset = await resetTwoFactor(db.prisma, sessions, user);
        const revoked = reset.revokedSessionIds;
        const codes = reset.backupCodesDeleted;
        await recordEvent(db, config, {
          type: 'two_factor.reset',
          severity: 'critical',
          userId: user.id,
          username: user.username,
          details: { via: 'cli', wasEnabled: user.totpEnabledAt !== null, backupCodesDeleted: codes, sessionsRevoked: revoked.length },
        });
        console.log(
          user.totpEnabledAt
            ? `two-factor sign-in is off for ${name}; ${revoked.length} session(s) ended. They sign in with their password and can set it up again.`
            : `${name} had no two-factor sign-in; pending setup cleared, ${revoked.length} session(s) ended.`,
        );
        return 0;
      });
    },
  },

  'import-legacy-2fa': {
    help: 'import TOTP secrets and backup codes of the earlier system: --file <users.json> | --database-url <url> (or LEGACY_DATABASE_URL) [--dry-run]',
    run: async (args) => {
      const { values } = parseArgs({
        args,
        options: { file: { type: 'string' }, 'database-url': { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
        strict: true,
      });
      const url = values['database-url'] ?? process.env.LEGACY_DATABASE_URL;
      if (Boolean(values.file) === Boolean(url)) {
        console.error('usage: jutsu import-legacy-2fa --file <users.json> | --database-url <postgresql://…> [--dry-run]');
        return 2;
      }
      const config = loadConfig();
      const keyring = Keyring.parse(config.ENCRYPTION_KEYS);
      let records;
      try {
        records = values.file ? await readLegacyJsonFile(values.file) : await readLegacyDatabase(url!);
      } catch (err) {
        if (err instanceof LegacyImportError) {
          console.error(`import-legacy-2fa: ${err.message}`);
          return 1;
        }
        if (!url) throw err;
        // Driver errors can echo the URL: show only the redacted one.
        console.error(`import-legacy-2fa: could not read ${redactDatabaseUrl(url)}: ${(err as Error).message.replaceAll(url, redactDatabaseUrl(url))}`);
        return 1;
      }
      console.log(`read ${records.length} legacy record(s) from ${values.file ?? redactDatabaseUrl(url)}`);
      return withDatabase(async (db) => {
        const outcomes = await importLegacyTwoFactor({ prisma: db.prisma, keyring, securityEvents: new SecurityEvents(db.prisma) }, records, { dryRun: values['dry-run'] });
        for (const o of outcomes) {
          const what = o.status === 'imported' ? `imported (${o.backupCodes ?? 0} backup codes)` : 'skipped';
          console.log(`  ${o.username}: ${what}${o.note ? ` — ${o.note}` : ''}`);
        }
        const imported = outcomes.filter((o) => o.status === 'imported').length;
        console.log(`${values['dry-run'] ? 'dry run: would import' : 'imported'} ${imported}, skipped ${outcomes.length - imported}`);
        return 0;
      });
    },
  },
};
