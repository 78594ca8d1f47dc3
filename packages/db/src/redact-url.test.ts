import { describe, expect, it } from 'vitest';
import { redactDatabaseUrl } from './redact-url.ts';

describe('redactDatabaseUrl', () => {
  it('hides the password and query, keeps user, host, port and database', () => {
    expect(redactDatabaseUrl('postgresql://jutsu:s3cr3t%40pw@db.internal:5433/jutsu?sslmode=require&password=x')).toBe(
      'postgresql://jutsu:****@db.internal:5433/jutsu',
    );
  });
  it('never echoes an unparseable url', () => {
    expect(redactDatabaseUrl('postgresql://user:pa ss@@')).not.toContain('pa ss');
  });
  it('names the embedded database when no url is set', () => {
    expect(redactDatabaseUrl(undefined)).toMatch(/PGlite/);
  });
});
