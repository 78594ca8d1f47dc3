// The baseline: bare Express 5 with no middleware, answering what the API answers for the
// same requests. With DATABASE_URL it runs the dashboard reads' SQL through pg directly (the
// same statements Prisma sends for dashboard.positions and one page of dashboard.trades).
import { initTRPC } from '@trpc/server';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import express from 'express';
import pg from 'pg';
import superjson from 'superjson';
import { WebSocketServer } from 'ws';

const app = express();
app.disable('x-powered-by');
const pool = process.env.DATABASE_URL ? new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 }) : undefined;

// The shape of a tRPC + superjson answer, so the serialised bytes are comparable.
const trpc = (json) => ({ result: { data: { json } } });

const info = () => ({ name: 'Jutsu Labs', version: '0.0.0', setupRequired: false, serverTime: new Date().toISOString() });
async function positions() {
  const accounts = (await pool.query('SELECT * FROM brokerage_accounts ORDER BY created_at ASC')).rows;
  const hashes = accounts.filter((a) => !a.is_paper).map((a) => a.account_hash);
  const [rows, targets] = await Promise.all([
    pool.query('SELECT * FROM positions WHERE account_hash = ANY($1) AND quantity <> 0 ORDER BY symbol ASC, account_hash ASC', [hashes]),
    pool.query("SELECT * FROM config_overrides WHERE key = 'strategy.targets' LIMIT 1"),
  ]);
  return { positions: rows.rows, targets: targets.rows[0] ?? null, accounts };
}
async function trades() {
  const { rows } = await pool.query('SELECT * FROM live_trades ORDER BY executed_at DESC, id DESC LIMIT 51');
  return { items: rows.slice(0, 50).map((r) => ({ ...r, id: String(r.id) })), nextCursor: rows.length > 50 ? String(rows[49].id) : null };
}
const route = (fn) => async (_req, res, next) => {
  try {
    res.json(trpc(await fn()));
  } catch (err) {
    next(err);
  }
};

app.get('/json', route(info));
if (pool) {
  app.get('/positions', route(positions));
  app.get('/trades', route(trades));
}

// The floor under every tRPC query: the same answers through tRPC's Express adapter with
// superjson, as the API mounts it, and nothing else (no security headers, CORS, body parser,
// request log, context, auth, rate limit or output schema). No procedure of the API can be
// faster than this; the bench prints it beside each target.
const t = initTRPC.create({ transformer: superjson });
app.use(
  '/trpc',
  createExpressMiddleware({
    router: t.router({
      info: t.procedure.query(info),
      ...(pool ? { positions: t.procedure.query(positions), trades: t.procedure.query(trades) } : {}),
    }),
  }),
);

// The fan-out baseline: plain ws, the same subscribers, one frame built once per event and
// sent to every socket (what the API's shared frames do, without tRPC, auth or a database).
const sockets = new Set();
app.post('/publish/:id', (req, res) => {
  const at = new Date().toISOString();
  const frame = JSON.stringify({ id: 1, result: { type: 'data', id: req.params.id, data: { json: { id: req.params.id, data: { topic: 'dashboard', type: 'balances.changed', payload: { at }, at } } } } });
  for (const ws of sockets) ws.send(frame);
  res.json({ sent: sockets.size });
});

const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
const wss = new WebSocketServer({ server, path: '/ws' });
wss.on('connection', (ws) => {
  sockets.add(ws);
  ws.on('close', () => sockets.delete(ws));
  // A ready event, as the API sends first.
  ws.send(JSON.stringify({ id: 1, result: { type: 'data', id: '0', data: { json: { id: '0', data: { type: 'ready' } } } } }));
});
process.on('SIGTERM', () => {
  server.close();
  void pool?.end();
});
