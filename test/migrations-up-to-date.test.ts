/**
 * Fails when prisma/models.prisma changed without a migration: for each provider, replaying the
 * committed migrations must already give the generated schema.prisma, so a new migration would be empty.
 */
import { PROVIDERS, type Provider } from '../prisma/build-schemas';
import { pendingMigrationSql } from '../prisma/create-migration';
import { openShadowDatabase, type ShadowDatabase } from '../prisma/shadow-database';

/** The SQL without comments and whitespace: the engine may explain an empty diff in a comment. */
function statementsOf(sql: string): string {
  return sql
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/--.*$/gm, '')
    .trim();
}

function assertNoPendingMigration(provider: Provider, sql: string): void {
  if (statementsOf(sql) === '') return;
  throw new Error(
    `The ${provider} migrations do not produce prisma/models.prisma: it changed without a migration. ` +
      'Run `npm run db:migration:create -- NAME` (NAME describing the change) and commit the new ' +
      `prisma/*/migrations folders. A new ${provider} migration would contain:\n${sql}`,
  );
}

describe.each(PROVIDERS)('%s migrations', (provider) => {
  // For PostgreSQL this is a throwaway server: start it once, and stop it even if the diff fails.
  let shadow: ShadowDatabase | undefined;

  beforeAll(async () => {
    shadow = await openShadowDatabase(provider);
  });

  afterAll(async () => {
    await shadow?.close();
  });

  it('are up to date with the generated schema.prisma', async () => {
    if (!shadow) throw new Error('the shadow database did not open');
    assertNoPendingMigration(provider, await pendingMigrationSql(provider, shadow.factory));
  });
});
