/**
 * One answer reads the same wherever it is shown: the agenda email, a person's record page and the
 * admin's export (a scale as "4 / 5", yes/no in words), and what the report marked private stays
 * out of the manager's agenda and record alike. Against a migrated SQLite database, with the
 * agenda sent by the real activity to a mailer that keeps what it is given.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPairEmailActivities } from '../activities/pair-emails';
import type { OutgoingEmail } from '../activities/mailer';
import { answerPayload, answerText } from '../pairs/answer-format';
import { exportPairCsv } from '../pairs/pair-export';
import { pairHistory } from '../pairs/pair-history';
import { pairRecord } from '../pairs/pair-record';
import { openDatabase, type Database, type RapportPrisma } from '../prisma/database';
import { migrateDatabase } from '../prisma/migrate';
import type { Question, QuestionSetStages } from '../question-sets/question-types';
import { loadEmailTemplates } from '../templates/email-templates';
import { FORM_RECIPIENT, type FormAnswer, type FormKind } from '../workflows/pair-types';

const PAIR = 'pair-answer-format';
const MEETING_AT = Date.UTC(2030, 0, 10, 9, 0);

const STAGES: QuestionSetStages = {
  reflection: [
    { id: 'topics', text: 'What do you want to talk about?', type: 'text', required: true },
    { id: 'energy', text: 'How energised do you feel?', type: 'scale', required: false },
    { id: 'growth', text: 'Where do you want to grow?', type: 'text', required: false },
  ],
  managerPrep: [{ id: 'topics', text: 'What would you like to cover?', type: 'text', required: false }],
  followUp: [{ id: 'held', text: 'Did the 1:1 take place?', type: 'yesNo', required: true }],
  feedback: [],
};

let dir: string;
let database: Database;
let db: RapportPrisma;

async function answer(kind: FormKind, fields: Omit<FormAnswer, 'cycle' | 'kind'>): Promise<void> {
  const formId = `${PAIR}:1:${kind}`;
  const role = FORM_RECIPIENT[kind];
  await db.form.create({ data: { id: formId, pairId: PAIR, cycleNumber: 1, kind, recipientRole: role, questionSetId: 'qs-format-1', questionSetVersion: 1 } });
  const payload = answerPayload({ cycle: 1, kind, ...fields });
  await db.answer.create({ data: { id: formId, formId, pairId: PAIR, cycleNumber: 1, kind, respondentRole: role, payload } });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rapport-answer-format-'));
  const url = `file:${join(dir, 'rapport.db')}`;
  await migrateDatabase(url);
  database = openDatabase(url);
  db = database.prisma;
  await db.pair.create({
    data: {
      id: PAIR,
      managerName: 'Mia Manager',
      managerEmail: 'mia@example.com',
      reportName: 'Raj Report',
      reportEmail: 'raj@example.com',
      timeZone: 'Europe/Berlin',
      cadence: '{"kind":"weekly","everyWeeks":1,"weekday":4}',
      meetingTime: '10:00',
      durationMinutes: 30,
      stageOffsets: '{"reflectionBefore":2880,"reminderBefore":1440,"agendaBefore":60,"followUpAfter":1440}',
      feedbackEveryCycles: 3,
      skipNudgeAfter: 3,
    },
  });
  await db.questionSet.create({ data: { id: 'qs-format-1', scope: 'org', version: 1, stages: JSON.stringify(STAGES), createdBy: 'admin@example.com' } });
  await db.cycle.create({ data: { id: `${PAIR}:1`, pairId: PAIR, number: 1, meetingAt: new Date(MEETING_AT), status: 'planned' } });
  await answer('reflection', { answers: { topics: 'Moving teams', energy: 4, growth: 'Staff path' }, privateQuestionIds: ['growth'] });
  await answer('managerPrep', { answers: { topics: 'Promotion case' } });
  await answer('followUpReport', { answers: { held: true }, meetingHeld: true, actionItems: [], completedActionItemIds: [] });
});

afterAll(async () => {
  await database?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The agenda's text part per recipient, as the activity renders and sends it. */
async function sendAgenda(): Promise<Map<string, string>> {
  const sent: OutgoingEmail[] = [];
  const activities = createPairEmailActivities({
    db,
    mailer: { send: async (email) => void sent.push(email), close: () => undefined },
    emails: loadEmailTemplates(),
    publicBaseUrl: 'http://rapport.test',
    messageIdDomain: 'rapport.test',
    formLinkTtlDays: 30,
  });
  await activities.sendAgenda({ pairId: PAIR, cycle: 1, meetingAt: MEETING_AT, durationMinutes: 30, topics: [], openActionItems: [], closeForms: [] });
  return new Map(sent.map((email) => [email.to, email.text]));
}

async function recordItems(viewer: 'report' | 'manager') {
  const pair = await db.pair.findUniqueOrThrow({ where: { id: PAIR } });
  const record = await pairRecord(db, pair, viewer);
  return record.cycles.flatMap((cycle) => cycle.answers.flatMap((form) => form.items));
}

describe('answerText', () => {
  const question = (type: Question['type']): Question => ({ id: 'q', text: 'Q', type, required: false });

  it('reads a scale out of 5, yes/no in words, action items with their owners', () => {
    expect(answerText(question('scale'), 4)).toBe('4 / 5');
    expect(answerText(question('yesNo'), false)).toBe('No');
    expect(answerText(question('text'), 'As typed')).toBe('As typed');
    expect(
      answerText(question('actionItems'), [
        { text: 'Write the doc', owner: 'report' },
        { text: 'Book training', owner: 'manager' },
      ]),
    ).toBe('Write the doc (report)\nBook training (manager)');
  });
});

describe('one answer, every view', () => {
  // The outbox sends each copy once, so the agenda is sent once for both tests.
  let agendas: Map<string, string>;
  beforeAll(async () => {
    agendas = await sendAgenda();
  });

  it('shows a scale answer as "4 / 5" on the agenda, the record page and the admin export alike', async () => {
    expect(agendas.get('raj@example.com')).toContain('* How energised do you feel?\n  4 / 5\n');
    expect(agendas.get('mia@example.com')).toContain('* How energised do you feel?\n  4 / 5\n');

    for (const viewer of ['report', 'manager'] as const) {
      expect(await recordItems(viewer)).toContainEqual({ question: 'How energised do you feel?', answer: '4 / 5', private: false });
    }
    expect(await recordItems('report')).toContainEqual({ question: 'Did the 1:1 take place?', answer: 'Yes', private: false });

    const csv = await exportPairCsv(db, PAIR);
    expect(csv).toContain(',reflection,report,energy,How energised do you feel?,4 / 5,false,');
    expect(csv).toContain(',followUpReport,report,held,Did the 1:1 take place?,Yes,false,');
    // The history keeps the number itself: it draws the charts.
    const history = await pairHistory(db, PAIR);
    expect(history.questions.find((q) => q.key === 'reflection.energy')?.answers.map((a) => a.value)).toEqual([4]);
  });

  it("keeps the report's private answer out of the manager's agenda and record, and flags it for the report and the admin", async () => {
    expect(agendas.get('raj@example.com')).toContain('* Where do you want to grow? (private: not shown to Mia Manager)\n  Staff path\n');
    expect(agendas.get('mia@example.com')).not.toContain('Staff path');
    expect(agendas.get('mia@example.com')).toContain('Promotion case');

    expect(await recordItems('report')).toContainEqual({ question: 'Where do you want to grow?', answer: 'Staff path', private: true });
    expect((await recordItems('manager')).map((item) => item.answer)).toEqual(['Moving teams', '4 / 5', 'Promotion case', 'Yes']);

    expect(await exportPairCsv(db, PAIR)).toContain(',reflection,report,growth,Where do you want to grow?,Staff path,true,');
  });
});
