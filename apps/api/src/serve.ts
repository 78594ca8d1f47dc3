// `jutsu serve`: migrate, start HTTP + WebSocket on one port, stop cleanly on SIGTERM.
import { loadConfig } from './config.ts';
import { startServer } from './http/server.ts';
import { createLogger } from './logger.ts';
import { createServices } from './services.ts';
import { runStartupTasks } from './startup.ts';

export async function serve(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.DEBUG && !config.isProduction ? 'debug' : config.LOG_LEVEL });
  if (config.generatedSecretsFile) {
    logger.warn({ file: config.generatedSecretsFile }, 'SECRET_KEY/ENCRYPTION_KEYS not set: using generated development secrets (never do this in production)');
  }
  if (!config.AUTH_REQUIRED) logger.warn('AUTH_REQUIRED=false is ignored: authentication cannot be switched off');
  const services = await createServices(config, logger);
  // Before accepting requests: the first admin (or bootstrap link) exists by the time anyone can sign in.
  await runStartupTasks(services);
  const running = await startServer(services, { port: config.PORT, host: config.HOST });
  logger.info({ url: config.PUBLIC_URL, port: running.port, database: services.db.kind }, 'Jutsu Labs is listening');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    void running
      .close(5_000)
      .then(() => services.close())
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
