import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { validateEnvironment } from './src/config/env.schema';
import { buildDataSourceOptions } from './src/database/data-source';

// The DataSource the TypeORM CLI uses: `npm run migration:run`. Same options as the app.
const env = validateEnvironment(process.env);

export default new DataSource(
  buildDataSourceOptions({
    url: env.DATABASE_URL,
    sqlitePath: env.SQLITE_PATH,
    migrationsRun: false,
  }),
);
