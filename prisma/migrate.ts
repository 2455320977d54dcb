/**
 * Rapport's migrate command: applies pending migrations from prisma/<provider>/migrations through
 * the WebAssembly schema engine, the same engine code as `prisma migrate deploy`, so the
 * `_prisma_migrations` bookkeeping is identical and the two can be used interchangeably.
 * Only applies migrations; never resets anything, and refuses a pending migration that would delete
 * data unless that is explicitly allowed (see migration-safety.ts).
 *
 * Usage: DATABASE_URL=file:./data/rapport.db npm run db:migrate [-- --allow-data-loss]
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { enableSqliteWal, postgresAdapter, providerOf, redactUrl, sqliteAdapter, sqlitePath } from './adapters';
import { loadConfig } from '../config/config';
import { openDatabase } from './database';
import { checkPendingMigrations } from './migration-safety';
import { readMigrationList, readSchema } from './migrations-dir';
import { NO_FILTERS, openSchemaEngine } from './schema-engine';

interface EngineLogLine {
  level?: string;
  fields?: { message?: string };
}

/** Forwards the engine's warnings and errors (JSON lines); its info chatter is dropped. */
function engineLogger(log: (line: string) => void): (json: string) => void {
  return (json) => {
    const line = JSON.parse(json) as EngineLogLine;
    if (line.level === 'WARN' || line.level === 'ERROR') log(`schema engine ${line.level}: ${line.fields?.message ?? json}`);
  };
}

/**
 * The engine takes SQLite's EXCLUSIVE locking mode (as native `prisma migrate deploy` does), which a
 * WAL-mode database only grants when no other connection is open. The adapter reports that as
 * SQLITE_BUSY -> "SocketTimeout", a kind the wasm engine cannot even decode, hence this translation.
 */
function explainSqliteLock(url: string, error: unknown): unknown {
  const message = error instanceof Error ? error.message : String(error);
  if (!/SocketTimeout|database is locked/.test(message)) return error;
  return new Error(
    `SQLite database ${sqlitePath(url)} is in use by another connection; migrations need exclusive access. ` +
      'Stop the processes using it (e.g. the worker) and run the migration again.',
    { cause: error },
  );
}

/** Names of the migrations already applied; none for a database Rapport has never migrated. */
async function appliedMigrations(url: string): Promise<Set<string>> {
  const database = openDatabase(url);
  try {
    const rows = await database.prisma.$queryRawUnsafe<{ migration_name: string }[]>(
      'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    return new Set(rows.map((row) => row.migration_name));
  } catch (error) {
    if (/_prisma_migrations|does not exist|no such table/i.test((error as Error).message)) return new Set();
    throw error;
  } finally {
    await database.close();
  }
}

export interface MigrateOptions {
  /** Apply migrations that delete data (after a backup); refused otherwise. */
  allowDataLoss?: boolean;
}

export async function migrateDatabase(url: string, log: (line: string) => void = () => {}, options: MigrateOptions = {}): Promise<{ applied: string[] }> {
  const provider = providerOf(url);
  const migrationsList = readMigrationList(provider);
  if (migrationsList.migrationDirectories.length === 0) throw new Error(`No migrations found in ${migrationsList.baseDir}.`);
  if (provider === 'sqlite') {
    mkdirSync(dirname(sqlitePath(url)), { recursive: true });
    enableSqliteWal(url);
  }
  if (!options.allowDataLoss) checkPendingMigrations(migrationsList, await appliedMigrations(url));
  log(`Applying ${provider} migrations to ${redactUrl(url)}`);
  const adapter = provider === 'sqlite' ? sqliteAdapter(url, 'unixepoch-ms') : postgresAdapter(url);
  const { engine, close } = await openSchemaEngine(readSchema(provider), adapter, engineLogger(log));
  try {
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: NO_FILTERS });
    for (const name of appliedMigrationNames) log(`Applied ${name}`);
    if (appliedMigrationNames.length === 0) log('Database is up to date; no pending migrations.');
    return { applied: appliedMigrationNames };
  } catch (error) {
    throw provider === 'sqlite' ? explainSqliteLock(url, error) : error;
  } finally {
    await close();
  }
}

if (require.main === module) {
  const allowDataLoss = process.argv.includes('--allow-data-loss') || /^(true|1|yes)$/i.test(process.env.MIGRATE_ALLOW_DATA_LOSS ?? '');
  migrateDatabase(loadConfig(process.env, 'cli').databaseUrl, console.log, { allowDataLoss }).catch((error: unknown) => {
    console.error(`db:migrate failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
