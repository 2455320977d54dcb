/** Picks the provider and Prisma driver adapter from a database URL. */
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import BetterSqlite3 from 'better-sqlite3';
import type { Provider } from './build-schemas';

export type { Provider };

/** How long a SQLite connection waits for another process's write lock before failing (busy_timeout). */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/** Hides the password of a connection URL in messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
}

export function providerOf(url: string): Provider {
  if (url.startsWith('file:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgresql';
  throw new Error(`Unsupported database URL "${redactUrl(url)}": expected file:<path> (SQLite) or postgres://… / postgresql://… (PostgreSQL).`);
}

/** The file path of a `file:` URL, as the better-sqlite3 adapter resolves it (relative to the cwd). */
export function sqlitePath(url: string): string {
  return url.replace(/^file:/, '');
}

/**
 * Switches the SQLite file to WAL so readers don't block the writer. WAL is stored in the file
 * itself, so doing it once per open is enough; the adapter offers no hook for pragmas.
 */
export function enableSqliteWal(url: string): void {
  const db = new BetterSqlite3(sqlitePath(url), { timeout: SQLITE_BUSY_TIMEOUT_MS });
  try {
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
}

/**
 * timestampFormat only affects DateTime parameters. The app uses the adapter's default (ISO 8601);
 * migrations use unix milliseconds, which is how Prisma's native engine writes `_prisma_migrations`.
 */
export function sqliteAdapter(url: string, timestampFormat: 'iso8601' | 'unixepoch-ms' = 'iso8601'): PrismaBetterSqlite3 {
  // better-sqlite3's `timeout` is SQLite's busy_timeout for the adapter's connection.
  return new PrismaBetterSqlite3({ url, timeout: SQLITE_BUSY_TIMEOUT_MS }, { timestampFormat });
}

export function postgresAdapter(url: string): PrismaPg {
  return new PrismaPg({ connectionString: url });
}
