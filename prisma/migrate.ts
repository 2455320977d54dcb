/**
 * Rapport's migrate command: applies pending migrations from prisma/<provider>/migrations through
 * the WebAssembly schema engine, the same engine code as `prisma migrate deploy`, so the
 * `_prisma_migrations` bookkeeping is identical and the two can be used interchangeably.
 * Only applies migrations; never resets or drops anything.
 *
 * Usage: DATABASE_URL=file:./data/rapport.db npm run db:migrate
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { enableSqliteWal, postgresAdapter, providerOf, redactUrl, sqliteAdapter, sqlitePath } from './adapters';
import { readMigrationList, readSchema } from './migrations-dir';
import { NO_FILTERS, openSchemaEngine } from './schema-engine';

export const DEFAULT_DATABASE_URL = 'file:./data/rapport.db';

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

export async function migrateDatabase(url: string, log: (line: string) => void = () => {}): Promise<{ applied: string[] }> {
  const provider = providerOf(url);
  const migrationsList = readMigrationList(provider);
  if (migrationsList.migrationDirectories.length === 0) throw new Error(`No migrations found in ${migrationsList.baseDir}.`);
  if (provider === 'sqlite') {
    mkdirSync(dirname(sqlitePath(url)), { recursive: true });
    enableSqliteWal(url);
  }
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
  migrateDatabase(process.env.DATABASE_URL || DEFAULT_DATABASE_URL, console.log).catch((error: unknown) => {
    console.error(`db:migrate failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
