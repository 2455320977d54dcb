// Migrations never drop data silently: before applying, every pending migration's SQL is checked for
// statements that destroy rows or columns, and the run stops unless data loss was explicitly allowed.
// SQLite's table redefinition (copy into new_X, drop X, rename new_X to X) keeps every row and is
// not counted.
import type { MigrationList } from '@prisma/schema-engine-wasm';

const DESTRUCTIVE = /^\s*(DROP\s+TABLE|DROP\s+SCHEMA|TRUNCATE|DELETE\s+FROM|ALTER\s+TABLE\s+\S+\s+DROP(\s+COLUMN)?\s)/i;

function statementsOf(sql: string): string[] {
  return sql
    .split(';')
    .map((statement) => statement.replace(/^\s*--.*$/gm, '').trim())
    .filter((statement) => statement.length > 0);
}

/** A DROP TABLE "X" that follows copying X into "new_X", as Prisma writes SQLite table changes. */
function isSqliteRedefinition(statement: string, earlier: string[]): boolean {
  const dropped = /^DROP\s+TABLE\s+"([^"]+)"$/i.exec(statement)?.[1];
  if (!dropped) return false;
  return earlier.some((previous) => new RegExp(`^INSERT\\s+INTO\\s+"new_${dropped}"[\\s\\S]*FROM\\s+"${dropped}"$`, 'i').test(previous));
}

/** The statements of one migration that would destroy data. */
export function destructiveStatements(sql: string): string[] {
  const statements = statementsOf(sql);
  return statements.filter((statement, index) => DESTRUCTIVE.test(statement) && !isSqliteRedefinition(statement, statements.slice(0, index)));
}

export class DataLossRefused extends Error {
  constructor(readonly findings: { migration: string; statement: string }[]) {
    super(
      [
        'Refusing to apply migrations that would delete data:',
        ...findings.map(({ migration, statement }) => `  ${migration}: ${statement.split('\n')[0]}`),
        'Back up the database, then run the migration again with --allow-data-loss (or MIGRATE_ALLOW_DATA_LOSS=true).',
      ].join('\n'),
    );
    this.name = 'DataLossRefused';
  }
}

/** Throws DataLossRefused if a migration not yet applied would destroy data. */
export function checkPendingMigrations(list: MigrationList, applied: Set<string>): void {
  const findings = list.migrationDirectories
    .filter((directory) => !applied.has(directory.path))
    .flatMap((directory) => {
      const content = directory.migrationFile.content;
      const sql = content.tag === 'ok' ? content.value : '';
      return destructiveStatements(sql).map((statement) => ({ migration: directory.path, statement }));
    });
  if (findings.length > 0) throw new DataLossRefused(findings);
}
