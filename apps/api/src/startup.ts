// Work done once at start, after migrations: first-account creation and the like.
import type { AppServices } from './services.ts';

export async function runStartupTasks(_services: AppServices): Promise<void> {
  // Filled by the identity capabilities (first admin, bootstrap invitation).
}
