import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { processArgs } from '../../testing/process-entry.ts';

const apiDir = fileURLToPath(new URL('../../..', import.meta.url));

it('starts from the command line on an ephemeral port and prints its URL', async () => {
  const child = spawn(process.execPath, [...processArgs('src/schwab/fake/main.ts'), '--port', '0', '--client-id', 'cli-client'], {
    cwd: apiDir,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    const info = JSON.parse(line) as { url: string; clientId: string; redirectUri: string };
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.clientId).toBe('cli-client');
    const page = await fetch(`${info.url}/v1/oauth/authorize?${new URLSearchParams({ client_id: 'cli-client', redirect_uri: info.redirectUri, response_type: 'code' })}`);
    expect(page.status).toBe(200);
  } finally {
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  }
});
