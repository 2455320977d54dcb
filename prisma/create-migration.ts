/**
 * Creates a migration for every provider: rebuilds the schemas from models.prisma, diffs the schema
 * that the existing migrations produce against it, and writes
 * prisma/<provider>/migrations/<timestamp>_<NAME>/migration.sql (skipped when nothing changed).
 * The history is replayed into a scratch database (shadow-database.ts); for PostgreSQL that is a
 * throwaway server (harness/postgres.ts), so the PostgreSQL server binaries must be installed.
 *
 * Usage: npm run db:migration:create -- NAME
 */
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { DiffTarget } from '@prisma/schema-engine-wasm';
import { buildSchemas, PROVIDERS, type Provider } from './build-schemas';
import { ensureLockfile, readMigrationList, readSchema, writeMigration } from './migrations-dir';
import { NO_FILTERS, openSchemaEngine } from './schema-engine';
import { openShadowDatabase } from './shadow-database';

/** Prisma's migration folder prefix: UTC YYYYMMDDHHMMSS. */
function timestamp(now: Date): string {
  return now.toISOString().replace(/\D/g, '').slice(0, 14);
}

async function withShadowDatabase<T>(provider: Provider, use: (factory: SqlMigrationAwareDriverAdapterFactory) => Promise<T>): Promise<T> {
  const shadow = await openShadowDatabase(provider);
  try {
    return await use(shadow.factory);
  } finally {
    await shadow.close();
  }
}

/** The SQL that takes the database from the last migration to the generated schema; '' if none is needed. */
async function diffFromMigrations(provider: Provider, factory: SqlMigrationAwareDriverAdapterFactory): Promise<string> {
  const schema = readSchema(provider);
  // Diffing from the (possibly empty) migration history, like `prisma migrate dev`, rather than from
  // `empty`: the latter would add a CREATE SCHEMA "public" that migrate dev never writes.
  ensureLockfile(provider);
  const from: DiffTarget = { tag: 'migrations', ...readMigrationList(provider) };
  const { engine, close } = await openSchemaEngine(schema, factory);
  try {
    const result = await engine.diff({ from, to: { tag: 'schemaDatamodel', files: [schema] }, script: true, exitCode: true, filters: NO_FILTERS });
    if (result.exitCode !== 2) return ''; // exitCode 2 = non-empty diff
    if (result.stdout === null) throw new Error(`The schema engine found a ${provider} diff but returned no script.`);
    return result.stdout;
  } finally {
    await close();
  }
}

/**
 * The SQL a new migration for provider would contain ('' if the migrations are up to date with
 * prisma/<provider>/schema.prisma). Replays the history into the given shadow database (left open,
 * so that callers can reuse one PostgreSQL server), else into one of its own.
 */
export async function pendingMigrationSql(provider: Provider, shadow?: SqlMigrationAwareDriverAdapterFactory): Promise<string> {
  if (shadow) return diffFromMigrations(provider, shadow);
  return withShadowDatabase(provider, (factory) => diffFromMigrations(provider, factory));
}

export async function createMigration(name: string, now = new Date()): Promise<string[]> {
  if (!/^\w+$/.test(name)) throw new Error(`Migration name must be letters, digits and underscores, got "${name}".`);
  buildSchemas();
  const folderName = `${timestamp(now)}_${name}`;
  const written: string[] = [];
  for (const provider of PROVIDERS) {
    const script = await pendingMigrationSql(provider);
    if (script !== '') written.push(writeMigration(provider, folderName, script));
  }
  return written;
}

if (require.main === module) {
  const name = process.argv[2];
  if (!name) {
    console.error('Usage: npm run db:migration:create -- NAME');
    process.exit(2);
  }
  createMigration(name).then(
    (written) => console.log(written.length ? written.map((folder) => `created ${folder}`).join('\n') : 'Schema unchanged; no migration created.'),
    (error: unknown) => {
      console.error(`db:migration:create failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
