// Background workers (the live bus, alert delivery, and later the brokerage token refresher
// and the schedulers), beside the start-up tasks: registered once, started in registration
// order, stopped in reverse order, each waited for until its in-flight work is done. Each has
// a health state that /readyz reports; a required worker that is not running makes the
// process unready.
import type { Logger } from './logger.ts';

export type WorkerState = 'starting' | 'running' | 'degraded' | 'stopped';

/** What a worker is given when it starts. */
export interface WorkerContext {
  /** The worker is not doing its job (a pass failed, a connection dropped). */
  degraded(err: unknown): void;
  /** Back to normal after degraded. */
  healthy(): void;
  /** Aborted when stopping begins: loops and waits should end, the current item finish. */
  readonly stopping: AbortSignal;
}

export interface Worker {
  readonly name: string;
  /** The process is not ready without it: /readyz answers 503 unless it is running. */
  readonly required: boolean;
  /** Resolves once the worker runs; a failed start cleans up after itself. */
  start(ctx: WorkerContext): Promise<void> | void;
  /** Resolves once in-flight work has finished; nothing new starts after it is called. */
  stop(): Promise<void> | void;
}

export interface WorkerHealth {
  name: string;
  required: boolean;
  state: WorkerState;
  /** When it entered this state. */
  since: Date;
  lastError?: { message: string; at: Date };
}

export class WorkerStartError extends Error {
  constructor(
    readonly worker: string,
    cause: unknown,
  ) {
    super(`worker ${worker} failed to start: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

interface Entry {
  worker: Worker;
  health: WorkerHealth;
  started: boolean;
  stopping: AbortController;
}

const WORKER_NAME = /^[a-z][a-z0-9_.-]{0,62}$/;

export class Workers {
  private readonly entries: Entry[] = [];
  /** Started workers, in start order (stopped in reverse). */
  private running: Entry[] = [];
  private stopAllRun: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly opts: { stopTimeoutMs?: number } = {},
  ) {}

  /** Adds a worker; it starts with the next startAll(). */
  register(worker: Worker): void {
    if (!WORKER_NAME.test(worker.name)) throw new Error(`invalid worker name: ${JSON.stringify(worker.name)}`);
    if (this.entries.some((e) => e.worker.name === worker.name)) throw new Error(`worker ${worker.name} is already registered`);
    this.entries.push({
      worker,
      health: { name: worker.name, required: worker.required, state: 'stopped', since: new Date() },
      started: false,
      stopping: new AbortController(),
    });
  }

  /**
   * Starts every registered worker not started yet, in registration order. A required worker
   * that fails to start stops the ones already started (reverse order) and throws
   * WorkerStartError; an optional one is left degraded with its error and the rest go on.
   */
  async startAll(): Promise<void> {
    for (const e of this.entries) {
      if (e.started) continue;
      e.started = true;
      e.stopping = new AbortController();
      this.setState(e, 'starting');
      try {
        await e.worker.start(this.contextFor(e));
      } catch (err) {
        this.fail(e, err);
        this.logger.error({ err, worker: e.worker.name }, 'worker failed to start');
        if (e.worker.required) {
          await this.stopAll();
          throw new WorkerStartError(e.worker.name, err);
        }
        continue;
      }
      this.running.push(e);
      if (e.health.state === 'starting') this.setState(e, 'running');
    }
  }

  /**
   * Stops the started workers in reverse start order, each waited for (up to stopTimeoutMs,
   * so one hung worker cannot hold the shutdown forever). Calls while stopping share one run.
   */
  stopAll(): Promise<void> {
    this.stopAllRun ??= this.stopEach().finally(() => {
      this.stopAllRun = undefined;
    });
    return this.stopAllRun;
  }

  private async stopEach(): Promise<void> {
    const timeoutMs = this.opts.stopTimeoutMs ?? 10_000;
    for (const e of this.running.splice(0).reverse()) {
      e.stopping.abort();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(() => e.worker.stop()),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`did not stop within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
      } catch (err) {
        this.fail(e, err);
        this.logger.error({ err, worker: e.worker.name }, 'worker did not stop cleanly');
      } finally {
        clearTimeout(timer);
      }
      this.setState(e, 'stopped');
    }
    for (const e of this.entries) e.started = false;
  }

  health(): WorkerHealth[] {
    return this.entries.map((e) => ({ ...e.health, ...(e.health.lastError ? { lastError: { ...e.health.lastError } } : {}) }));
  }

  /** Every required worker is running. */
  get ready(): boolean {
    return this.entries.every((e) => !e.worker.required || e.health.state === 'running');
  }

  private contextFor(e: Entry): WorkerContext {
    return {
      degraded: (err) => {
        if (e.health.state === 'stopped') return;
        const first = e.health.state !== 'degraded';
        this.fail(e, err);
        if (first) this.logger.warn({ err, worker: e.worker.name }, 'worker degraded');
      },
      healthy: () => {
        if (e.health.state !== 'degraded') return;
        this.setState(e, 'running');
        this.logger.info({ worker: e.worker.name }, 'worker recovered');
      },
      stopping: e.stopping.signal,
    };
  }

  private fail(e: Entry, err: unknown): void {
    e.health.lastError = { message: err instanceof Error ? err.message : String(err), at: new Date() };
    if (e.health.state !== 'degraded') this.setState(e, 'degraded');
  }

  private setState(e: Entry, state: WorkerState): void {
    e.health.state = state;
    e.health.since = new Date();
  }
}
