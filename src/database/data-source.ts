// Data source for the TypeORM CLI (npm run migration:run | migration:revert | migration:generate).
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/load-config.js';
import { dataSourceOptions } from './data-source-options.js';
import { ensureDatabase } from './ensure-database.js';

const config = loadConfig();
await ensureDatabase(config.database.url);
export default new DataSource(dataSourceOptions(config, { unbounded: true }));
