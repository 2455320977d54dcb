/**
 * Prisma CLI config for the PostgreSQL schema, e.g.
 *   DATABASE_URL=postgresql://… npx prisma migrate deploy --config prisma/postgres/prisma.config.ts
 * Where the native schema engine cannot be downloaded, use `npm run db:migrate` instead.
 */
import { join } from 'node:path';
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: join(__dirname, 'schema.prisma'),
  migrations: { path: join(__dirname, 'migrations') },
  datasource: { url: process.env.DATABASE_URL },
});
