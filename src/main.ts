import 'reflect-metadata';
import { createApp } from './app.factory.js';
import { ConfigError, loadConfig } from './config/load-config.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`berth: ${e.message}`);
      process.exit(1);
    }
    throw e;
  }
  const started = Date.now();
  const app = await createApp(config);
  app.enableShutdownHooks();
  await app.listen({ port: config.port, host: config.host });
  app
    .getHttpAdapter()
    .getInstance()
    .log.info(
      { port: config.port, startup_ms: Date.now() - started, workers: config.workers.enabled },
      `Berth is listening on ${config.host}:${config.port} (docs at /api/docs)`,
    );
}

main().catch((e) => {
  console.error('berth: failed to start:', e instanceof Error ? e.message : e);
  process.exit(1);
});
