// `jutsu invite --role <role> [--email <address>] [--hours <n>]`: an invitation link from
// the command line (the operator's way in when no admin can sign in). Printed once.
import { parseArgs } from 'node:util';
import { emailSchema, INVITATION_DEFAULT_HOURS, INVITATION_MAX_HOURS, roleSchema } from '@jutsu/shared';
import { withDatabase, type CommandTable } from '../cli-support.ts';
import { loadConfig } from '../config.ts';
import { systemActor } from '../security/actor.ts';
import { SecurityEvents } from '../security/security-events.ts';
import { createInvitation, invitationUrl } from './service.ts';

export const INVITATION_COMMANDS: CommandTable = {
  invite: {
    help: `print a single-use invitation link: --role admin|trader|viewer [--email a@b] [--hours 1-${INVITATION_MAX_HOURS}]`,
    run: async (args) => {
      const { values } = parseArgs({ args, options: { role: { type: 'string' }, email: { type: 'string' }, hours: { type: 'string' } }, strict: true });
      const role = roleSchema.safeParse(values.role);
      if (!role.success) {
        console.error('usage: jutsu invite --role admin|trader|viewer [--email address] [--hours n]');
        return 2;
      }
      const email = values.email === undefined ? undefined : emailSchema.safeParse(values.email);
      if (email && !email.success) {
        console.error('--email is not a valid email address');
        return 2;
      }
      const hours = values.hours === undefined ? INVITATION_DEFAULT_HOURS : Number(values.hours);
      if (!Number.isInteger(hours) || hours < 1 || hours > INVITATION_MAX_HOURS) {
        console.error(`--hours must be a whole number from 1 to ${INVITATION_MAX_HOURS}`);
        return 2;
      }
      const config = loadConfig();
      return withDatabase(async (db) => {
        const { invitation, token } = await createInvitation(db, systemActor('cli'), { role: role.data, email: email?.data ?? null, expiresInHours: hours });
        await new SecurityEvents(db.prisma).record({
          type: 'invitation.created',
          severity: role.data === 'admin' ? 'warning' : 'info',
          details: { invitationId: invitation.id, role: role.data, boundToEmail: invitation.email !== null, expiresAt: invitation.expiresAt.toISOString(), via: 'cli' },
        });
        console.log(`Invitation for a new ${role.data}${invitation.email ? ` (${invitation.email})` : ''}, valid until ${invitation.expiresAt.toISOString()}, single use:`);
        console.log(invitationUrl(config.PUBLIC_URL, token));
        return 0;
      });
    },
  },
};
