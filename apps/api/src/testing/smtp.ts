// A real SMTP server in the test process: alerts and notices are received, not mocked.
import { format } from 'node:util';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  raw: string;
}

export interface TestSmtp {
  port: number;
  messages: ReceivedMail[];
  /** Waits for a message matching `pattern` (in headers or body). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/**
 * `tls` (a key and certificate) makes it offer STARTTLS, as production requires
 * (`requireTLS`); the client must trust the certificate (NODE_EXTRA_CA_CERTS).
 * `log` receives the server's protocol log (commands and replies, not message bodies).
 * `port`: listen there (a server brought back after an outage), else on any free port.
 */
export async function startSmtp(opts: { tls?: { key: string; cert: string }; log?: (line: string) => void; port?: number } = {}): Promise<TestSmtp> {
  const messages: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: opts.tls ? ['AUTH'] : ['STARTTLS', 'AUTH'],
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : {}),
    logger: opts.log ? protocolLogger(opts.log) : false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        messages.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    messages,
    async waitFor(pattern, timeoutMs = 8_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find((m) => pattern.test(m.raw));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no mail matching ${pattern} (got ${messages.length})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Undoes quoted-printable soft breaks so links can be read from a raw message. */
export function mailText(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
}

/** smtp-server's logger shape (bunyan's): an optional fields object, then a format string. */
function protocolLogger(log: (line: string) => void) {
  const write = (level: string) => (...args: unknown[]) => {
    const rest = args.length > 0 && typeof args[0] === 'object' && args[0] !== null ? args.slice(1) : args;
    log(`${level} ${format(...rest)}`);
  };
  const logger = { trace: write('trace'), debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error'), fatal: write('fatal'), child: () => logger };
  return logger;
}
