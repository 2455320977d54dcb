/**
 * Scratch ("shadow") databases into which the wasm schema engine replays the migration history when
 * diffing it against the schema (see create-migration.ts). Both work around gaps between the
 * 7.10 wasm engine and the 7.10 driver adapters that only show up on this path, not in db:migrate:
 * - SQLite: the engine runs each migration script through executeRaw, and better-sqlite3 refuses
 *   to prepare more than one statement at a time;
 * - PostgreSQL: the engine's catalog queries return columns of Postgres' internal "char" type
 *   (e.g. pg_constraint.contype), which adapter-pg refuses to decode ("Column type 'char' could not
 *   be deserialized").
 */
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { Pool, type QueryConfig, type QueryResult } from 'pg';
import { startPostgres } from '../harness/postgres';
import { sqliteAdapter } from './adapters';
import type { Provider } from './build-schemas';

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

export interface ShadowDatabase {
  factory: SqlMigrationAwareDriverAdapterFactory;
  close(): Promise<void>;
}

/** An in-memory SQLite connection whose argument-less executeRaw runs whole scripts. */
async function sqliteScratchConnection(): Promise<SqlDriverAdapter> {
  const adapter = await sqliteAdapter(':memory:').connect();
  const executeRaw = adapter.executeRaw.bind(adapter);
  adapter.executeRaw = async (query) => {
    if (query.args.length > 0) return executeRaw(query);
    await adapter.executeScript(query.sql);
    return 0;
  };
  return adapter;
}

function sqliteShadow(): ShadowDatabase {
  const connect = sqliteScratchConnection;
  return { factory: { provider: 'sqlite', adapterName: 'rapport-sqlite-shadow', connect, connectToShadowDb: connect }, close: async () => {} };
}

/** A pg Pool that reports "char" columns as text (their values already arrive as strings). */
function charAsTextPool(url: string): Pool {
  const pool = new Pool({ connectionString: url });
  const query = pool.query.bind(pool) as (config: QueryConfig) => Promise<QueryResult>;
  const patched = async (config: QueryConfig): Promise<QueryResult> => {
    const result = await query(config);
    for (const field of result.fields) if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
    return result;
  };
  return Object.assign(pool, { query: patched });
}

/**
 * Ends the pool once its connections have closed: pool.end() resolves as soon as it has asked them
 * to, and stopping the server under a closing connection makes the pool emit an unhandled error.
 */
async function endPool(pool: Pool): Promise<void> {
  let open = pool.totalCount;
  const allClosed = new Promise<void>((resolve) => {
    if (open === 0) resolve();
    pool.on('remove', () => {
      open -= 1;
      if (open === 0) resolve();
    });
  });
  await pool.end();
  await allClosed;
}

/** A throwaway server whose (empty) database serves as both main and shadow database. */
async function postgresShadow(): Promise<ShadowDatabase> {
  const server = await startPostgres();
  const pool = charAsTextPool(server.url);
  const adapter = new PrismaPg(pool);
  const connect = () => adapter.connect();
  return {
    factory: { provider: 'postgres', adapterName: adapter.adapterName, connect, connectToShadowDb: connect },
    close: async () => {
      await endPool(pool);
      await server.stop();
    },
  };
}

export async function openShadowDatabase(provider: Provider): Promise<ShadowDatabase> {
  return provider === 'sqlite' ? sqliteShadow() : postgresShadow();
}
