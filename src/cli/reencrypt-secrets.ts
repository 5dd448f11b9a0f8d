// npm run secrets:reencrypt — re-encrypts every stored secret under the active key (the first entry of
// BERTH_ENCRYPTION_KEYS), then prints which keys are still in use. Safe to run while Berth serves.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module.js';
import { KeyRotationService } from '../common/crypto/key-rotation.service.js';
import { loadConfig } from '../config/load-config.js';

const config = loadConfig();
const ctx = await NestFactory.createApplicationContext(
  AppModule.forRoot({ ...config, workers: { ...config.workers, enabled: false } }),
  { logger: ['error', 'warn'] },
);
try {
  const rotation = ctx.get(KeyRotationService);
  const result = await rotation.run();
  console.log(JSON.stringify({ result, usage: await rotation.usage() }, null, 2));
} catch (e) {
  console.error(`re-encryption failed: ${(e as Error).message}`, (e as { details?: unknown }).details ?? '');
  process.exitCode = 1;
} finally {
  await ctx.close();
}
