import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { dataSourceOptions } from './data-source-options.js';
import { ensureDatabase } from './ensure-database.js';

/** Pending migrations run on their own short-lived connection, without the API's statement and query bounds. */
async function runMigrations(config: AppConfig): Promise<void> {
  const ds = new DataSource(dataSourceOptions(config, { unbounded: true }));
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
}

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig) => {
        await ensureDatabase(config.database.url);
        if (config.database.run_migrations) await runMigrations(config);
        return { ...dataSourceOptions(config), migrationsRun: false, retryAttempts: 3, retryDelay: 1000 };
      },
    }),
  ],
})
export class DatabaseModule {}
