// Work done once at start, after migrations, in order. Each capability adds its task here.
import { createFirstAdminFromEnv } from './auth/first-admin.ts';
import { seedDemoOnStart } from './demo/startup.ts';
import { StartupError } from './config.ts';
import { printBootstrapInvitation } from './invitation/bootstrap.ts';
import { relyingParty, RelyingPartyConfigError } from './passkey/webauthn-config.ts';
import { checkEncryptionKeys } from './security/keyring.ts';
import type { AppServices } from './services.ts';

export type StartupTask = (services: AppServices) => Promise<void>;

/** Wrong WEBAUTHN_* settings fail the start, not the first passkey ceremony. */
async function checkRelyingParty(services: AppServices): Promise<void> {
  try {
    relyingParty(services.config);
  } catch (err) {
    if (err instanceof RelyingPartyConfigError) throw new StartupError(err.message);
    throw err;
  }
}

// The demo seeds (and creates its admin) before the bootstrap link would be needed.
export const STARTUP_TASKS: StartupTask[] = [checkEncryptionKeys, checkRelyingParty, seedDemoOnStart, createFirstAdminFromEnv, printBootstrapInvitation];

export async function runStartupTasks(services: AppServices): Promise<void> {
  for (const task of STARTUP_TASKS) await task(services);
}
