/**
 * Creates a migration for every provider: rebuilds the schemas from models.prisma, diffs the schema
 * that the existing migrations produce against it, and writes
 * prisma/<provider>/migrations/<timestamp>_<NAME>/migration.sql (skipped when nothing changed).
 * The history is replayed into a scratch database (shadow-database.ts); for PostgreSQL that is a
 * throwaway server (test/support/postgres.ts), so the PostgreSQL server binaries must be installed.
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

/** The SQL that takes the database from the last migration to the current schema, or null if none is needed. */
async function pendingScript(provider: Provider, factory: SqlMigrationAwareDriverAdapterFactory): Promise<string | null> {
  const schema = readSchema(provider);
  // Diffing from the (possibly empty) migration history, like `prisma migrate dev`, rather than from
  // `empty`: the latter would add a CREATE SCHEMA "public" that migrate dev never writes.
  ensureLockfile(provider);
  const from: DiffTarget = { tag: 'migrations', ...readMigrationList(provider) };
  const { engine, close } = await openSchemaEngine(schema, factory);
  try {
    const result = await engine.diff({ from, to: { tag: 'schemaDatamodel', files: [schema] }, script: true, exitCode: true, filters: NO_FILTERS });
    return result.exitCode === 2 ? result.stdout : null; // exitCode 2 = non-empty diff
  } finally {
    await close();
  }
}

export async function createMigration(name: string, now = new Date()): Promise<string[]> {
  if (!/^\w+$/.test(name)) throw new Error(`Migration name must be letters, digits and underscores, got "${name}".`);
  buildSchemas();
  const folderName = `${timestamp(now)}_${name}`;
  const written: string[] = [];
  for (const provider of PROVIDERS) {
    const script = await withShadowDatabase(provider, (factory) => pendingScript(provider, factory));
    if (script !== null) written.push(writeMigration(provider, folderName, script));
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
