import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { ENTITIES } from './entities.js';
import { TypeOrmLogger } from './typeorm-logger.js';

/**
 * The data source of the API. Every wait on Postgres is bounded, so an outage answers 503 within seconds
 * instead of holding requests (README "Dependency outages"):
 * - `statement_timeout`: the server cancels a statement running longer (SQLSTATE 57014);
 * - `query_timeout`: the client gives up on a server that does not answer at all (frozen, cut off);
 * - `connectionTimeoutMillis`: waiting for a pooled connection, or for a new one to open.
 * Migrations run without these bounds (`{ unbounded: true }`: the CLI and the boot-time migration run).
 * Logging goes through pino, never with query parameters (TypeOrmLogger).
 */
export function dataSourceOptions(config: AppConfig, opts: { unbounded?: boolean } = {}): DataSourceOptions {
  const db = config.database;
  const bounds = opts.unbounded
    ? { connectionTimeoutMillis: db.connect_timeout_ms }
    : {
        connectionTimeoutMillis: db.connect_timeout_ms,
        statement_timeout: db.statement_timeout_ms,
        query_timeout: db.query_timeout_ms,
      };
  return {
    type: 'postgres',
    url: db.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logger: new TypeOrmLogger(),
    maxQueryExecutionTime: Math.max(1000, Math.floor(db.statement_timeout_ms / 2)),
    extra: { max: 20, ...bounds, keepAlive: true, application_name: 'berth' },
  };
}
