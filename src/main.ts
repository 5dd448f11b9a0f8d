import 'reflect-metadata';
import { createApp } from './app.factory.js';
import { createRootLogger } from './common/logger.js';
import { ConfigError, loadConfig } from './config/load-config.js';
import { installProcessGuards } from './process-guards.js';

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
  // Installed before the app boots: a stray rejection in a boot-time task (the first health sweep)
  // is logged, not fatal. See process-guards.ts for why an uncaught exception still ends the process.
  const booted: { app?: Awaited<ReturnType<typeof createApp>> } = {};
  installProcessGuards(createRootLogger(config.log_level).child({ context: 'process' }), {
    shutdown: async () => booted.app?.close(),
  });
  const app = await createApp(config);
  booted.app = app;
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
