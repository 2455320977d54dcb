/**
 * Prisma CLI config for the SQLite schema, e.g.
 *   DATABASE_URL=file:./data/rapport.db npx prisma migrate deploy --config prisma/sqlite/prisma.config.ts
 * Where the native schema engine cannot be downloaded, use `npm run db:migrate` instead.
 */
import { join, resolve } from 'node:path';
import { defineConfig } from 'prisma/config';

const url = process.env.DATABASE_URL || 'file:./data/rapport.db';

export default defineConfig({
  schema: join(__dirname, 'schema.prisma'),
  migrations: { path: join(__dirname, 'migrations') },
  // A relative file: path means relative to the cwd, as for db:migrate and the app (better-sqlite3).
  datasource: { url: url.startsWith('file:') ? `file:${resolve(url.slice('file:'.length))}` : url },
});
