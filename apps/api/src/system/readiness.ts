// /readyz: the database answers and every required worker runs. Unauthenticated (load
// balancers ask it), so it names states only: error messages stay in the log.
import type { AppServices } from '../services.ts';
import type { WorkerState } from '../workers.ts';

export interface ReadinessReport {
  status: 'ready' | 'unavailable';
  database: 'ok' | 'unavailable';
  workers: { name: string; required: boolean; state: WorkerState; since: string; lastErrorAt?: string }[];
}

export async function readiness(services: Pick<AppServices, 'db' | 'workers'>): Promise<{ httpStatus: 200 | 503; report: ReadinessReport }> {
  let database: ReadinessReport['database'] = 'ok';
  try {
    await services.db.sql.query('SELECT 1');
  } catch {
    database = 'unavailable';
  }
  const workers = services.workers.health().map((w) => ({
    name: w.name,
    required: w.required,
    state: w.state,
    since: w.since.toISOString(),
    ...(w.lastError ? { lastErrorAt: w.lastError.at.toISOString() } : {}),
  }));
  const ready = database === 'ok' && services.workers.ready;
  return { httpStatus: ready ? 200 : 503, report: { status: ready ? 'ready' : 'unavailable', database, workers } };
}
