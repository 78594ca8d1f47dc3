import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSchwab } from '../schwab/fake/server.ts';
import { demoEnvironment, tick } from './run.ts';

describe('jutsu demo', () => {
  const fake = new FakeSchwab({ seed: 'run-test' });
  beforeAll(async () => void (await fake.start()));
  afterAll(() => fake.close());

  it('runs the server on its own embedded database and keys, never the caller’s', () => {
    const env = demoEnvironment(
      { PATH: '/bin', DATABASE_URL: 'postgresql://prod/db', SECRET_KEY: 'k'.repeat(40), ENCRYPTION_KEYS_FILE: '/run/keys', ADMIN_PASSWORD: 'x', NODE_ENV: 'production', REDIS_URL: 'redis://r' },
      { port: 9000, dataDir: '/tmp/d', fake, certFile: '/tmp/d/c.pem' },
    );
    for (const name of ['DATABASE_URL', 'SECRET_KEY', 'ENCRYPTION_KEYS_FILE', 'ADMIN_PASSWORD', 'REDIS_URL']) expect(env[name]).toBeUndefined();
    expect(env).toMatchObject({ PATH: '/bin', NODE_ENV: 'development', DEMO: 'true', PORT: '9000', PGLITE_DIR: '/tmp/d/pglite', SCHWAB_BASE_URL: fake.baseUrl, NODE_EXTRA_CA_CERTS: '/tmp/d/c.pem', SCHWAB_SYNC_SECONDS: '5' });
  });

  it('moves prices by small whole-cent steps', () => {
    const at = fake.now();
    const before = fake.market.price('AAPL', at);
    tick(fake, () => 1);
    const after = fake.market.price('AAPL', at);
    expect(after).toBe(Math.round(before * 1.0025));
    tick(fake, () => 0);
    expect(fake.market.price('AAPL', at)).toBe(Math.max(100, Math.round(after * 0.9975)));
  });
});
