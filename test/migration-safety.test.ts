// Migrations never delete data silently: destructive statements in a pending migration stop the run.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPendingMigrations, DataLossRefused, destructiveStatements } from '../prisma/migration-safety';
import { migrateDatabase } from '../prisma/migrate';
import { readMigrationList } from '../prisma/migrations-dir';

const list = (migrations: Record<string, string>) => ({
  baseDir: '/migrations',
  lockfile: { path: 'migration_lock.toml', content: null },
  shadowDbInitScript: '',
  migrationDirectories: Object.entries(migrations).map(([path, sql]) => ({
    path,
    migrationFile: { path: 'migration.sql', content: { tag: 'ok' as const, value: sql } },
  })),
});

describe('destructive migration statements', () => {
  it('finds drops, truncation and deletes, but not SQLite table redefinition', () => {
    expect(destructiveStatements('ALTER TABLE "Pair" ADD COLUMN "note" TEXT;\nCREATE INDEX "i" ON "Pair"("note");')).toEqual([]);
    expect(destructiveStatements('-- drop the old column\nALTER TABLE "Pair" DROP COLUMN "note";')).toEqual(['ALTER TABLE "Pair" DROP COLUMN "note"']);
    expect(destructiveStatements('DROP TABLE "Topic";\nTRUNCATE "Answer";\nDELETE FROM "Form" WHERE 1=1;')).toHaveLength(3);
    const redefinition = [
      'CREATE TABLE "new_Pair" ("id" TEXT NOT NULL PRIMARY KEY, "note" TEXT)',
      'INSERT INTO "new_Pair" ("id", "note") SELECT "id", "note" FROM "Pair"',
      'DROP TABLE "Pair"',
      'ALTER TABLE "new_Pair" RENAME TO "Pair"',
    ].join(';\n');
    expect(destructiveStatements(redefinition)).toEqual([]);
    expect(destructiveStatements('CREATE TABLE "new_Pair" ("id" TEXT);\nDROP TABLE "Pair";\nALTER TABLE "new_Pair" RENAME TO "Pair";')).toEqual([
      'DROP TABLE "Pair"',
    ]);
  });

  it('refuses only pending migrations that would delete data, naming them', () => {
    const migrations = list({ '1_init': 'CREATE TABLE "A" ("id" TEXT)', '2_cleanup': 'DROP TABLE "A"' });
    expect(() => checkPendingMigrations(migrations, new Set(['1_init', '2_cleanup']))).not.toThrow();
    expect(() => checkPendingMigrations(migrations, new Set(['1_init']))).toThrow(DataLossRefused);
    expect(() => checkPendingMigrations(migrations, new Set(['1_init']))).toThrow(/2_cleanup: DROP TABLE "A"[\s\S]*--allow-data-loss/);
  });

  it('finds nothing destructive in the committed migrations, which apply once and then never again', async () => {
    for (const provider of ['sqlite', 'postgresql'] as const) expect(() => checkPendingMigrations(readMigrationList(provider), new Set())).not.toThrow();
    const url = `file:${join(mkdtempSync(join(tmpdir(), 'rapport-migrate-')), 'rapport.db')}`;
    const first = await migrateDatabase(url);
    expect(first.applied.length).toBe(readMigrationList('sqlite').migrationDirectories.length);
    expect(await migrateDatabase(url)).toEqual({ applied: [] });
  });
});
