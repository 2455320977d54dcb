// The two databases a persistence test runs against: a SQLite file in a fresh folder, and a
// throwaway PostgreSQL server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres } from '../../harness/postgres';
import type { Provider } from '../../prisma/build-schemas';

export interface DatabaseTarget {
  url: string;
  cleanup: () => Promise<void>;
}

async function sqliteTarget(): Promise<DatabaseTarget> {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-sqlite-'));
  return { url: `file:${join(dir, 'data', 'rapport.db')}`, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function postgresTarget(): Promise<DatabaseTarget> {
  const server = await startPostgres();
  return { url: server.url, cleanup: server.stop };
}

export const DATABASE_TARGETS: [Provider, () => Promise<DatabaseTarget>][] = [
  ['sqlite', sqliteTarget],
  ['postgresql', postgresTarget],
];
