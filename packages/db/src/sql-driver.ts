// The raw SQL side of the database (migrations, advisory locks, LISTEN/NOTIFY), next to
// the Prisma client. PGlite and a PostgreSQL server expose the same small surface.
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

export interface SqlConnection {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements (no parameters). */
  exec(sql: string): Promise<void>;
}

export interface SqlDriver extends SqlConnection {
  readonly kind: 'pglite' | 'postgres';
  /** A dedicated connection for work that must stay on one session (advisory locks, transactions). */
  withConnection<T>(fn: (conn: SqlConnection) => Promise<T>): Promise<T>;
  /**
   * A session of its own for long work (a held session advisory lock): on a server, a new
   * connection outside the pool, ended afterwards, so a long holder never starves the pool and
   * ending it always releases what the session held. `lost` aborts if that connection dies.
   * PGlite has one session: fn runs on it, without the withConnection mutex.
   */
  withSession<T>(fn: (conn: SqlConnection, lost: AbortSignal) => Promise<T>): Promise<T>;
  /**
   * LISTENs on its own connection. `onLost` is called once if that connection fails or ends
   * (not when the returned unlisten closes it): notifications may have been missed since.
   */
  listen(channel: string, onPayload: (payload: string) => void, onLost?: (err: Error) => void): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

const CHANNEL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
function assertChannel(channel: string): void {
  // LISTEN takes an identifier, not a parameter: only plain names are allowed.
  if (!CHANNEL_NAME.test(channel)) throw new Error(`invalid channel name: ${channel}`);
}

export function pgliteDriver(client: PGlite): SqlDriver {
  // PGlite is one connection: a mutex keeps a transaction's statements together.
  let tail: Promise<unknown> = Promise.resolve();
  const conn: SqlConnection = {
    async query<T>(sql: string, params?: unknown[]) {
      const res = await client.query<T>(sql, params as unknown[] | undefined);
      return res.rows;
    },
    async exec(sql: string) {
      await client.exec(sql);
    },
  };
  return {
    kind: 'pglite',
    ...conn,
    withConnection<T>(fn: (c: SqlConnection) => Promise<T>): Promise<T> {
      const run = tail.then(() => fn(conn));
      tail = run.catch(() => undefined);
      return run;
    },
    withSession<T>(fn: (c: SqlConnection, lost: AbortSignal) => Promise<T>): Promise<T> {
      return fn(conn, new AbortController().signal);
    },
    async listen(channel, onPayload) {
      assertChannel(channel);
      const unsub = await client.listen(channel, onPayload);
      return unsub;
    },
    async notify(channel, payload) {
      assertChannel(channel);
      await client.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    async close() {
      if (!client.closed) await client.close();
    },
  };
}

export function postgresDriver(connectionString: string): SqlDriver {
  const pool = new pg.Pool({ connectionString, max: 4, idleTimeoutMillis: 10_000 });
  // An idle client that errors (server restart) must not crash the process.
  pool.on('error', () => undefined);
  const listeners: pg.Client[] = [];
  let driverClosing = false;
  const wrap = (c: pg.Pool | pg.ClientBase): SqlConnection => ({
    async query<T>(sql: string, params?: unknown[]) {
      const res = await c.query(sql, params);
      return res.rows as T[];
    },
    async exec(sql: string) {
      await c.query(sql);
    },
  });
  return {
    kind: 'postgres',
    ...wrap(pool),
    async withConnection(fn) {
      const client = await pool.connect();
      // pg-pool removes its own error listener while a client is checked out: without this one,
      // the server ending the connection between two queries (a restart: 57P01) would be an
      // unhandled 'error' event and crash the process. The next query fails on its own; the
      // broken client is then discarded instead of returned to the pool.
      let lost: Error | undefined;
      const onError = (err: Error) => {
        lost = err;
      };
      client.on('error', onError);
      try {
        return await fn(wrap(client));
      } finally {
        client.removeListener('error', onError);
        client.release(lost);
      }
    },
    async withSession(fn) {
      const client = new pg.Client({ connectionString });
      const lost = new AbortController();
      client.on('error', (err) => lost.abort(err));
      client.on('end', () => lost.abort(new Error('connection ended')));
      await client.connect();
      try {
        return await fn(wrap(client), lost.signal);
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    async listen(channel, onPayload, onLost) {
      assertChannel(channel);
      const client = new pg.Client({ connectionString });
      let closing = false;
      let lostOnce = false;
      const lost = (err: Error) => {
        if (closing || driverClosing || lostOnce) return;
        lostOnce = true;
        onLost?.(err);
      };
      client.on('error', (err) => lost(err));
      client.on('end', () => lost(new Error('LISTEN connection ended')));
      await client.connect();
      client.on('notification', (msg) => {
        if (msg.channel === channel) onPayload(msg.payload ?? '');
      });
      await client.query(`LISTEN ${channel}`);
      listeners.push(client);
      return async () => {
        closing = true;
        const i = listeners.indexOf(client);
        if (i >= 0) listeners.splice(i, 1);
        await client.end().catch(() => undefined);
      };
    },
    async notify(channel, payload) {
      assertChannel(channel);
      await pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    async close() {
      driverClosing = true;
      await Promise.all(listeners.splice(0).map((c) => c.end().catch(() => undefined)));
      await pool.end();
    },
  };
}
