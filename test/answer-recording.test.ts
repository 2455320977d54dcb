// Recording an answer in the worker: an answer the web service never stored is refused for good.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPairRecordActivities } from '../activities/pair-records';
import type { ActivityDeps } from '../activities/activity-deps';
import { openDatabase, type Database } from '../prisma/database';
import { migrateDatabase } from '../prisma/migrate';

let dir: string;
let database: Database;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rapport-answer-recording-'));
  const url = `file:${join(dir, 'rapport.db')}`;
  await migrateDatabase(url);
  database = openDatabase(url);
});

afterAll(async () => {
  await database?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('refuses, for good, an answer that was never stored', async () => {
  const activities = createPairRecordActivities({ db: database.prisma } as ActivityDeps);
  await expect(activities.recordAnswer({ pairId: 'pair-r', cycle: 2, kind: 'reflection', newActionItems: [], completedActionItemIds: [] })).rejects.toThrow(
    'was not stored before it was sent',
  );
});
