/**
 * The database layer against real SQLite and PostgreSQL: migrate, every model round-trips,
 * unique constraints hold, re-migrating is a no-op, and `_prisma_migrations` looks like Prisma's.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Provider } from '../prisma/build-schemas';
import { type Database, openDatabase } from '../prisma/database';
import { migrateDatabase } from '../prisma/migrate';
import { migrationsDir } from '../prisma/migrations-dir';
import { DATABASE_TARGETS, type DatabaseTarget } from './support/database-targets';

/** The migration folders on disk, in the order they apply. */
function migrationNames(provider: Provider): string[] {
  return readdirSync(migrationsDir(provider), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

const targets = DATABASE_TARGETS;

const at = new Date('2025-03-04T09:30:00.123Z');
const pairId = 'pair-1';

const fixtures = {
  pair: {
    id: pairId,
    managerName: 'Mia Manager',
    managerEmail: 'mia@example.com',
    reportName: 'Raj Report',
    reportEmail: 'raj@example.com',
    timeZone: 'Europe/Berlin',
    cadence: '{"kind":"weekly","everyWeeks":1,"weekday":2}',
    meetingTime: '10:00',
    durationMinutes: 30,
    stageOffsets: '{"reflection":-2880}',
    feedbackEveryCycles: 4,
    skipNudgeAfter: 2,
  },
  questionSet: { id: 'qs-org-1', scope: 'org', version: 1, stages: '{"reflection":[]}', createdBy: 'admin@example.com' },
  cycle: { id: `${pairId}:1`, pairId, number: 1, meetingAt: at, status: 'planned' },
  form: {
    id: `${pairId}:1:reflection`,
    pairId,
    cycleNumber: 1,
    kind: 'reflection',
    recipientRole: 'report',
    questionSetId: 'qs-org-1',
    questionSetVersion: 1,
  },
  formLink: { id: 'link-1', formId: `${pairId}:1:reflection`, tokenHash: 'a'.repeat(64), expiresAt: at },
  answer: { id: 'answer-1', formId: `${pairId}:1:reflection`, pairId, cycleNumber: 1, kind: 'reflection', respondentRole: 'report', payload: '{"q1":"fine"}' },
  actionItem: { id: 'action-1', pairId, cycleNumber: 1, sourceFormId: `${pairId}:1:followUpReport`, text: 'Write the doc', owner: 'report' },
  topic: { id: 'topic-1', pairId, addedByRole: 'manager', text: 'Career plans', forCycle: 2 },
  outboxEmail: {
    id: `${pairId}:1:reflection:report`,
    pairId,
    cycleNumber: 1,
    stage: 'reflection',
    recipientRole: 'report',
    toAddress: 'raj@example.com',
    messageId: '<m1@rapport>',
    subject: 'Your reflection',
    html: '<p>Hi</p>',
    text: 'Hi',
    status: 'pending',
  },
  pairEvent: { id: 'event-1', pairId, cycleNumber: 1, kind: 'skip', detail: '{"reason":"holiday"}' },
};

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | string | number | null;
  rolled_back_at: unknown;
  applied_steps_count: number | bigint;
}

describe.each(targets)('persistence on %s', (provider, startTarget) => {
  let target: DatabaseTarget;
  let db: Database;
  let firstRun: { applied: string[] };

  beforeAll(async () => {
    target = await startTarget();
    firstRun = await migrateDatabase(target.url);
    db = openDatabase(target.url);
  });

  afterAll(async () => {
    await db?.close();
    await target?.cleanup();
  });

  it('applies every migration, oldest first, and opens the right provider', () => {
    expect(firstRun.applied).toEqual(migrationNames(provider));
    expect(firstRun.applied[0]).toMatch(/^\d{14}_init$/);
    expect(db.provider).toBe(provider);
  });

  it('creates and reads back every model', async () => {
    const { prisma } = db;
    await prisma.pair.create({ data: fixtures.pair });
    expect(await prisma.pair.findUniqueOrThrow({ where: { id: pairId } })).toMatchObject({ ...fixtures.pair, status: 'active', endedAt: null });
    await prisma.questionSet.create({ data: fixtures.questionSet });
    expect(await prisma.questionSet.findUniqueOrThrow({ where: { scope_version: { scope: 'org', version: 1 } } })).toMatchObject(fixtures.questionSet);
    await prisma.cycle.create({ data: fixtures.cycle });
    expect(await prisma.cycle.findUniqueOrThrow({ where: { pairId_number: { pairId, number: 1 } } })).toMatchObject(fixtures.cycle);
    await prisma.form.create({ data: fixtures.form });
    expect(await prisma.form.findUniqueOrThrow({ where: { pairId_cycleNumber_kind: { pairId, cycleNumber: 1, kind: 'reflection' } } })).toMatchObject(
      fixtures.form,
    );
    await prisma.formLink.create({ data: fixtures.formLink });
    expect(await prisma.formLink.findUniqueOrThrow({ where: { tokenHash: fixtures.formLink.tokenHash } })).toMatchObject({
      ...fixtures.formLink,
      revokedAt: null,
    });
    await prisma.answer.create({ data: fixtures.answer });
    expect(await prisma.answer.findUniqueOrThrow({ where: { formId: fixtures.answer.formId } })).toMatchObject({ ...fixtures.answer, deliveredAt: null });
    await prisma.actionItem.create({ data: fixtures.actionItem });
    expect(await prisma.actionItem.findFirstOrThrow({ where: { pairId, done: false } })).toMatchObject({ ...fixtures.actionItem, done: false });
    await prisma.topic.create({ data: fixtures.topic });
    expect(await prisma.topic.findFirstOrThrow({ where: { pairId, forCycle: 2 } })).toMatchObject(fixtures.topic);
    await prisma.outboxEmail.create({ data: fixtures.outboxEmail });
    expect(await prisma.outboxEmail.findUniqueOrThrow({ where: { id: fixtures.outboxEmail.id } })).toMatchObject({ ...fixtures.outboxEmail, attempts: 0 });
    await prisma.pairEvent.create({ data: fixtures.pairEvent });
    const event = await prisma.pairEvent.findFirstOrThrow({ where: { pairId } });
    expect(event).toMatchObject(fixtures.pairEvent);
    expect(event.at).toBeInstanceOf(Date);
  });

  it('rejects duplicates of the unique keys', async () => {
    const { prisma } = db;
    const duplicate = { code: 'P2002' };
    await expect(prisma.pair.create({ data: { ...fixtures.pair, id: 'pair-2' } })).rejects.toMatchObject(duplicate);
    await expect(prisma.form.create({ data: { ...fixtures.form, id: 'form-2' } })).rejects.toMatchObject(duplicate);
    await expect(prisma.outboxEmail.create({ data: { ...fixtures.outboxEmail, messageId: '<m2@rapport>' } })).rejects.toMatchObject(duplicate);
  });

  it('treats a second migrate as a no-op', async () => {
    // Migrations run while the app is stopped: on SQLite they need the only open connection.
    await db.close();
    await expect(migrateDatabase(target.url)).resolves.toEqual({ applied: [] });
    db = openDatabase(target.url);
    expect(await db.prisma.pair.count()).toBe(1);
  });

  it('records each migration in _prisma_migrations like Prisma does', async () => {
    const rows = await db.prisma.$queryRawUnsafe<MigrationRow[]>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(rows.map((row) => row.migration_name)).toEqual(migrationNames(provider));
    for (const row of rows) {
      expect(row.rolled_back_at).toBeNull();
      expect(Number(row.applied_steps_count)).toBe(1);
      expect(row.finished_at).not.toBeNull();
      expect(row.checksum).toBe(sha256(readFileSync(join(migrationsDir(provider), row.migration_name, 'migration.sql'), 'utf8')));
    }
  });
});
