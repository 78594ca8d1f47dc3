/**
 * Starts the fake Schwab server from the command line (tests, e2e and the local demo):
 *   corepack pnpm --filter @jutsu/api run fake-schwab --port 0   (or, in apps/api: node --import tsx src/schwab/fake/main.ts --port 0) [--redirect-uri https://…] [--seed jutsu]
 *   [--tls-key key.pem --tls-cert cert.pem]   (https, for a production-mode API)
 * Prints one line of JSON with its URL, client id and registered callback, then runs until killed.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { FakeSchwab } from './server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'redirect-uri': { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    seed: { type: 'string' },
    'tls-key': { type: 'string' },
    'tls-cert': { type: 'string' },
  },
});

const fake = new FakeSchwab({
  redirectUri: values['redirect-uri'],
  clientId: values['client-id'],
  clientSecret: values['client-secret'] ?? process.env.FAKE_SCHWAB_CLIENT_SECRET,
  seed: values.seed,
});
const tlsKey = values['tls-key'];
const tlsCert = values['tls-cert'];
const tls = tlsKey && tlsCert ? { key: fs.readFileSync(tlsKey, 'utf8'), cert: fs.readFileSync(tlsCert, 'utf8') } : undefined;
const url = await fake.start(Number(values.port), tls);
console.log(JSON.stringify({ url, clientId: fake.clientId, redirectUri: fake.redirectUri }));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void fake.close().then(() => process.exit(0));
  });
}
