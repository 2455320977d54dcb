import { readFileSync } from 'node:fs';
import { PROVIDERS, renderSchema, schemaPath } from '../prisma/build-schemas';

// If this fails, models.prisma changed: run `npm run db:generate` (or `npx tsx prisma/build-schemas.ts`)
// and commit the regenerated schemas, plus a migration (`npm run db:migration:create -- NAME`).
describe.each(PROVIDERS)('committed %s schema.prisma', (provider) => {
  it('is what prisma/build-schemas.ts writes from models.prisma', () => {
    expect(readFileSync(schemaPath(provider), 'utf8')).toBe(renderSchema(provider));
  });
});
