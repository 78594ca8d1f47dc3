// The worker registry: order, health, failing starts, and stops that wait for in-flight work.
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { WorkerStartError, Workers, type Worker, type WorkerContext } from './workers.ts';

function registry(opts: { stopTimeoutMs?: number } = {}): { workers: Workers; logs: string[] } {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { workers: new Workers(createLogger({ level: 'debug', destination: sink }), opts), logs };
}

interface Probe extends Worker {
  ctx: WorkerContext | undefined;
}

function probe(name: string, log: string[], opts: { required?: boolean; failStart?: Error; stop?: () => Promise<void> } = {}): Probe {
  const w: Probe = {
    name,
    required: opts.required ?? true,
    ctx: undefined,
    async start(ctx) {
      log.push(`start ${name}`);
      w.ctx = ctx;
      if (opts.failStart) throw opts.failStart;
    },
    async stop() {
      log.push(`stop ${name}`);
      await opts.stop?.();
      log.push(`stopped ${name}`);
    },
  };
  return w;
}

const states = (w: Workers) => Object.fromEntries(w.health().map((h) => [h.name, h.state]));

describe('Workers', () => {
  it('starts in registration order and stops in reverse', async () => {
    const { workers } = registry();
    const log: string[] = [];
    for (const n of ['bus', 'alerts', 'scheduler']) workers.register(probe(n, log));
    expect(states(workers)).toEqual({ bus: 'stopped', alerts: 'stopped', scheduler: 'stopped' });
    expect(workers.ready).toBe(false);
    await workers.startAll();
    expect(states(workers)).toEqual({ bus: 'running', alerts: 'running', scheduler: 'running' });
    expect(workers.ready).toBe(true);
    await workers.stopAll();
    expect(log).toEqual(['start bus', 'start alerts', 'start scheduler', 'stop scheduler', 'stopped scheduler', 'stop alerts', 'stopped alerts', 'stop bus', 'stopped bus']);
    expect(states(workers)).toEqual({ bus: 'stopped', alerts: 'stopped', scheduler: 'stopped' });
    expect(workers.ready).toBe(false);
  });

  it('refuses a second worker of the same name and malformed names', () => {
    const { workers } = registry();
    workers.register(probe('bus', []));
    expect(() => workers.register(probe('bus', []))).toThrow(/already registered/);
    expect(() => workers.register(probe('Bad Name', []))).toThrow(/invalid worker name/);
  });

  it('a required worker that fails to start stops the ones before it, in reverse, and fails the start', async () => {
    const { workers, logs } = registry();
    const log: string[] = [];
    workers.register(probe('bus', log));
    workers.register(probe('alerts', log));
    workers.register(probe('broker', log, { failStart: new Error('no token') }));
    workers.register(probe('later', log));
    const err = await workers.startAll().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerStartError);
    expect((err as WorkerStartError).worker).toBe('broker');
    expect(log).toEqual(['start bus', 'start alerts', 'start broker', 'stop alerts', 'stopped alerts', 'stop bus', 'stopped bus']);
    expect(states(workers)).toEqual({ bus: 'stopped', alerts: 'stopped', broker: 'degraded', later: 'stopped' });
    expect(workers.health().find((h) => h.name === 'broker')?.lastError?.message).toBe('no token');
    expect(workers.ready).toBe(false);
    expect(logs.join('')).toMatch(/worker failed to start/);
  });

  it('an optional worker that fails to start is left degraded and the rest start', async () => {
    const { workers } = registry();
    const log: string[] = [];
    workers.register(probe('bus', log));
    workers.register(probe('alerts', log, { required: false, failStart: new Error('smtp down') }));
    workers.register(probe('scheduler', log));
    await workers.startAll();
    expect(states(workers)).toEqual({ bus: 'running', alerts: 'degraded', scheduler: 'running' });
    expect(workers.ready).toBe(true);
    await workers.stopAll();
    // The failed one never ran, so it is not stopped.
    expect(log).toEqual(['start bus', 'start alerts', 'start scheduler', 'stop scheduler', 'stopped scheduler', 'stop bus', 'stopped bus']);
  });

  it('reports degraded and recovered through the context; only required workers decide readiness', async () => {
    const { workers } = registry();
    const bus = probe('bus', []);
    const alerts = probe('alerts', [], { required: false });
    workers.register(bus);
    workers.register(alerts);
    await workers.startAll();
    alerts.ctx!.degraded(new Error('webhook answered 500'));
    expect(workers.ready).toBe(true);
    bus.ctx!.degraded(new Error('listen connection lost'));
    expect(workers.ready).toBe(false);
    const h = workers.health().find((x) => x.name === 'bus')!;
    expect(h.state).toBe('degraded');
    expect(h.lastError?.message).toBe('listen connection lost');
    bus.ctx!.healthy();
    expect(workers.ready).toBe(true);
    expect(workers.health().find((x) => x.name === 'bus')?.lastError?.message).toBe('listen connection lost');
    await workers.stopAll();
    bus.ctx!.healthy();
    bus.ctx!.degraded(new Error('late'));
    expect(states(workers).bus).toBe('stopped');
  });

  it('stop waits for the in-flight work of each worker before stopping the next', async () => {
    const { workers } = registry();
    const log: string[] = [];
    let finish!: () => void;
    const inFlight = new Promise<void>((r) => (finish = r));
    workers.register(probe('bus', log));
    const alerts = probe('alerts', log, { stop: () => inFlight });
    workers.register(alerts);
    await workers.startAll();
    let stopped = false;
    const stopping = workers.stopAll().then(() => (stopped = true));
    await sleep(50);
    expect(alerts.ctx!.stopping.aborted).toBe(true);
    expect(stopped).toBe(false);
    expect(log).toEqual(['start bus', 'start alerts', 'stop alerts']);
    expect(states(workers).alerts).toBe('running');
    finish();
    await stopping;
    expect(log).toEqual(['start bus', 'start alerts', 'stop alerts', 'stopped alerts', 'stop bus', 'stopped bus']);
    // A second call while stopping shares the run; afterwards it has nothing to do.
    await workers.stopAll();
    expect(log.filter((l) => l === 'stop bus')).toHaveLength(1);
  });

  it('a worker that does not stop in time is recorded and the others still stop', async () => {
    const { workers, logs } = registry({ stopTimeoutMs: 50 });
    const log: string[] = [];
    workers.register(probe('bus', log));
    workers.register(probe('hung', log, { stop: () => new Promise<void>(() => undefined) }));
    await workers.startAll();
    await workers.stopAll();
    expect(log).toEqual(['start bus', 'start hung', 'stop hung', 'stop bus', 'stopped bus']);
    const hung = workers.health().find((h) => h.name === 'hung')!;
    expect(hung.state).toBe('stopped');
    expect(hung.lastError?.message).toMatch(/did not stop within 50 ms/);
    expect(logs.join('')).toMatch(/worker did not stop cleanly/);
  });

  it('starts a worker registered after the others with the next startAll', async () => {
    const { workers } = registry();
    const log: string[] = [];
    workers.register(probe('bus', log));
    await workers.startAll();
    workers.register(probe('scheduler', log));
    await workers.startAll();
    await workers.stopAll();
    expect(log).toEqual(['start bus', 'start scheduler', 'stop scheduler', 'stopped scheduler', 'stop bus', 'stopped bus']);
  });
});
