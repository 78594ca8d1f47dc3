// Work done once at start, after migrations, in order. Each capability adds its task here.
import { createFirstAdminFromEnv } from './auth/first-admin.ts';
import type { AppServices } from './services.ts';

export type StartupTask = (services: AppServices) => Promise<void>;

export const STARTUP_TASKS: StartupTask[] = [createFirstAdminFromEnv];

export async function runStartupTasks(services: AppServices): Promise<void> {
  for (const task of STARTUP_TASKS) await task(services);
}
