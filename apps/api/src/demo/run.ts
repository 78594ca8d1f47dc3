// `jutsu demo`: the same server (`jutsu serve`, a child process) on a fresh embedded database
// in a temporary directory, with the fake Schwab server in this process as the broker: over
// https with a throwaway certificate the child trusts through NODE_EXTRA_CA_CERTS, prices that
// move every few seconds, and a sync every few seconds so the screens follow them. Ctrl-C
// stops the server, then the broker, then removes the directory.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { FakeSchwab } from '../schwab/fake/server.ts';
import { selfSignedCertificate } from './certificate.ts';

/** The held symbols and the benchmarks the simulated ticker moves. */
const TICKER_SYMBOLS = ['AAPL', 'MSFT', 'VTI', 'SPY', 'QQQ'];
const TICK_MS = 3_000;
const SYNC_SECONDS = 5;

/** Settings of the caller's environment the demo must not inherit (it runs on its own embedded database and keys). */
const NOT_INHERITED = ['DATABASE_URL', 'REDIS_URL', 'SECRET_KEY', 'ENCRYPTION_KEYS', 'ADMIN_USERNAME', 'ADMIN_PASSWORD', 'PUBLIC_URL', 'CORS_ORIGINS', 'WEBAUTHN_RP_ID', 'WEBAUTHN_ORIGINS', 'SMTP_HOST', 'SECURITY_ALERT_EMAIL', 'SECURITY_ALERT_WEBHOOK_URL'];

/** One random step of at most ±0.25 % for each symbol (whole cents, never below $1). */
export function tick(fake: FakeSchwab, random: () => number = Math.random): void {
  for (const symbol of TICKER_SYMBOLS) {
    const cents = fake.market.price(symbol, fake.now());
    const next = Math.max(100, Math.round(cents * (1 + (random() - 0.5) * 0.005)));
    fake.setPrice(symbol, (next / 100).toFixed(2));
  }
}

export function demoEnvironment(base: NodeJS.ProcessEnv, o: { port: number; dataDir: string; fake: FakeSchwab; certFile: string }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of NOT_INHERITED) {
    delete env[name];
    delete env[`${name}_FILE`];
  }
  return {
    ...env,
    NODE_ENV: 'development',
    DEMO: 'true',
    PORT: String(o.port),
    PGLITE_DIR: path.join(o.dataDir, 'pglite'),
    SCHWAB_BASE_URL: o.fake.baseUrl,
    SCHWAB_CLIENT_ID: o.fake.clientId,
    SCHWAB_CLIENT_SECRET: o.fake.clientSecret,
    SCHWAB_CALLBACK_URL: o.fake.redirectUri,
    SCHWAB_SYNC_SECONDS: String(SYNC_SECONDS),
    NODE_EXTRA_CA_CERTS: o.certFile,
    LOG_LEVEL: base.LOG_LEVEL ?? 'warn',
  };
}

export async function runDemo(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { port: { type: 'string' } }, strict: true, allowPositionals: false });
  const port = Number(values.port ?? process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error('--port must be 1-65535');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jutsu-demo-'));
  const certificate = selfSignedCertificate({ days: 7 });
  const certFile = path.join(dataDir, 'broker-cert.pem');
  fs.writeFileSync(certFile, certificate.cert, { mode: 0o600 });

  const fake = new FakeSchwab({
    clientId: 'jutsu-demo',
    clientSecret: randomBytes(24).toString('base64url'),
    // Schwab only accepts https callbacks; the demo's login is answered server-side, so this address is never opened.
    redirectUri: `https://localhost:${port}/schwab/callback`,
    seed: 'jutsu-demo',
  });
  await fake.start(0, certificate);
  const ticker = setInterval(() => tick(fake), TICK_MS);
  console.log(`Jutsu Labs demo: simulated broker at ${fake.baseUrl}, data in ${dataDir} (removed on exit). Starting the server…`);

  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, 'serve'], {
    env: demoEnvironment(process.env, { port, dataDir, fake, certFile }),
    stdio: 'inherit',
  });
  const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1))));

  // Ctrl-C reaches the server too (same process group); either way it is asked once to stop.
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  void (async () => {
    for (let i = 0; i < 240 && child.exitCode === null; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
      if (ok) {
        console.log(`Demo ready at http://localhost:${port} (Ctrl-C stops it).`);
        return;
      }
      await sleep(500);
    }
  })();

  const code = await exited;
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  clearInterval(ticker);
  await fake.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  console.log('Demo stopped.');
  return code;
}
