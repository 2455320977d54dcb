/**
 * The admin's history of a pair, its charts and its exports, against a migrated SQLite database
 * holding a realistic record: held, skipped, not-held, paused and planned cycles, two question-set
 * versions, private answers, action items and feedback on the manager.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPairCsv, exportPairJson } from '../pairs/pair-export';
import { HELD_RATE_COUNTS, PairNotFoundError, pairHistory, type PairHistory } from '../pairs/pair-history';
import { lineChartSvg } from '../admin/svg-chart';
import { openDatabase, type Database, type RapportPrisma } from '../prisma/database';
import { migrateDatabase } from '../prisma/migrate';
import type { QuestionSetStages } from '../question-sets/question-types';
import { FORM_RECIPIENT, type FormAnswer, type FormKind } from '../workflows/pair-types';

const PAIR = 'pair-history-a';
const SMALL = 'pair-history-b';
const OTHER = 'pair-history-other';

const V1: QuestionSetStages = {
  reflection: [
    { id: 'topics', text: 'What do you want to talk about?', type: 'text', required: true },
    { id: 'energy', text: 'How are you feeling about your work?', type: 'scale', required: false },
  ],
  managerPrep: [{ id: 'topics', text: 'What would you like to cover?', type: 'text', required: false }],
  followUp: [
    { id: 'held', text: 'Did the 1:1 take place?', type: 'yesNo', required: true },
    { id: 'actionItems', text: 'Which action items did you agree on?', type: 'actionItems', required: false },
    { id: 'notes', text: 'Anything else worth keeping?', type: 'text', required: false },
  ],
  feedback: [
    { id: 'keep', text: 'What should your manager keep doing?', type: 'text', required: false },
    { id: 'usefulness', text: 'How useful are our 1:1s?', type: 'scale', required: true },
  ],
};

/** The pair's own version 2: energy reworded, a choice question added. */
const V2: QuestionSetStages = {
  ...V1,
  reflection: [
    { id: 'topics', text: 'What do you want to talk about?', type: 'text', required: true },
    { id: 'energy', text: 'How energised do you feel?', type: 'scale', required: false },
    { id: 'focus', text: 'Where is your focus?', type: 'choice', required: false, options: ['Delivery', 'Learning'] },
  ],
};

const SECRET_TOKEN = 'SECRETTOKENxyz123';
const meeting = (day: number) => new Date(Date.UTC(2025, 0, day, 9, 0));

let dir: string;
let database: Database;
let db: RapportPrisma;

async function addPair(id: string, managerEmail: string): Promise<void> {
  await db.pair.create({
    data: {
      id,
      managerName: 'Mia Manager',
      managerEmail,
      reportName: 'Raj Report',
      reportEmail: `raj+${id}@example.com`,
      timeZone: 'Europe/Berlin',
      cadence: '{"kind":"weekly","everyWeeks":1,"weekday":2}',
      meetingTime: '10:00',
      durationMinutes: 30,
      stageOffsets: '{"reflectionBefore":2880,"reminderBefore":1440,"agendaBefore":60,"followUpAfter":1440}',
      feedbackEveryCycles: 3,
      skipNudgeAfter: 3,
    },
  });
}

async function addQuestionSet(id: string, scope: string, version: number, stages: QuestionSetStages): Promise<void> {
  await db.questionSet.create({ data: { id, scope, version, stages: JSON.stringify(stages), createdBy: 'admin@example.com' } });
}

async function addCycle(pairId: string, number: number, status: string, skipReason?: string): Promise<void> {
  await db.cycle.create({ data: { id: `${pairId}:${number}`, pairId, number, meetingAt: meeting(number * 7), status, skipReason } });
}

/** A form as sendForm leaves it, with a link whose hash must never be exported. */
async function sendForm(pairId: string, cycle: number, kind: FormKind, questionSetId: string, version: number): Promise<string> {
  const id = `${pairId}:${cycle}:${kind}`;
  await db.form.create({ data: { id, pairId, cycleNumber: cycle, kind, recipientRole: FORM_RECIPIENT[kind], questionSetId, questionSetVersion: version } });
  await db.formLink.create({ data: { id: `link-${id}`, formId: id, tokenHash: `hash-${id}`.padEnd(64, 'f'), expiresAt: meeting(60) } });
  return id;
}

/** An answer as recordAnswer stores it (payload shape of answerPayload). */
async function answer(pairId: string, fields: Omit<FormAnswer, 'kind' | 'cycle'> & { cycle: number; kind: FormKind }): Promise<void> {
  const formId = `${pairId}:${fields.cycle}:${fields.kind}`;
  const payload = JSON.stringify({
    answers: fields.answers,
    meetingHeld: fields.meetingHeld,
    actionItems: fields.actionItems,
    completedActionItemIds: fields.completedActionItemIds,
    privateQuestionIds: fields.privateQuestionIds,
  });
  await db.answer.create({
    data: { id: formId, formId, pairId, cycleNumber: fields.cycle, kind: fields.kind, respondentRole: FORM_RECIPIENT[fields.kind], payload },
  });
}

async function addActionItem(id: string, cycle: number, kind: FormKind, text: string, owner: 'report' | 'manager', doneInCycle?: number): Promise<void> {
  await db.actionItem.create({
    data: { id, pairId: PAIR, cycleNumber: cycle, sourceFormId: `${PAIR}:${cycle}:${kind}`, text, owner, done: doneInCycle !== undefined, doneInCycle },
  });
}

const HTML_TOPIC = '<b>Roadmap</b>, "Q1"\nplans & more';

async function seedRealisticPair(): Promise<void> {
  await addPair(PAIR, 'mia@example.com');
  await addPair(OTHER, 'mia+other@example.com');
  await addQuestionSet('qs-org-1', 'org', 1, V1);
  await addQuestionSet('qs-a-2', PAIR, 2, V2);
  await addQuestionSet('qs-a-3', PAIR, 3, V2); // the pair's own, not used by any form yet
  await addQuestionSet('qs-other-2', OTHER, 2, V2);

  // Cycle 1: held, everything answered, feedback.
  await addCycle(PAIR, 1, 'held');
  for (const kind of ['reflection', 'managerPrep', 'followUpReport', 'followUpManager', 'feedback'] as const) await sendForm(PAIR, 1, kind, 'qs-org-1', 1);
  await answer(PAIR, { cycle: 1, kind: 'reflection', answers: { topics: HTML_TOPIC, energy: 3 } });
  await answer(PAIR, { cycle: 1, kind: 'managerPrep', answers: { topics: 'Promotion case' } });
  await answer(PAIR, {
    cycle: 1,
    kind: 'followUpReport',
    answers: { held: true, notes: '' },
    meetingHeld: true,
    actionItems: [{ text: 'Write the doc', owner: 'report' }],
    completedActionItemIds: [],
  });
  await answer(PAIR, {
    cycle: 1,
    kind: 'followUpManager',
    answers: { held: true },
    meetingHeld: true,
    actionItems: [{ text: 'Book training', owner: 'manager' }],
    completedActionItemIds: [],
  });
  await answer(PAIR, { cycle: 1, kind: 'feedback', answers: { keep: 'Listening', usefulness: 3 } });
  await addActionItem('ai-1', 1, 'followUpReport', 'Write the doc', 'report', 4);
  await addActionItem('ai-2', 1, 'followUpManager', 'Book training', 'manager');

  // Cycle 2: skipped before anything was answered.
  await addCycle(PAIR, 2, 'skipped', 'holiday');
  await sendForm(PAIR, 2, 'reflection', 'qs-org-1', 1);

  // Cycle 3: answered, but the follow-up says it did not take place; a private answer.
  await addCycle(PAIR, 3, 'not-held');
  await sendForm(PAIR, 3, 'reflection', 'qs-org-1', 1);
  await sendForm(PAIR, 3, 'followUpReport', 'qs-org-1', 1);
  await answer(PAIR, { cycle: 3, kind: 'reflection', answers: { topics: 'My health', energy: 2 }, privateQuestionIds: ['topics'] });
  await answer(PAIR, { cycle: 3, kind: 'followUpReport', answers: { held: false }, meetingHeld: false, actionItems: [], completedActionItemIds: [] });

  // Cycle 4: held with the pair's version 2; feedback again.
  await addCycle(PAIR, 4, 'held');
  for (const kind of ['reflection', 'followUpReport', 'feedback'] as const) await sendForm(PAIR, 4, kind, 'qs-a-2', 2);
  await answer(PAIR, { cycle: 4, kind: 'reflection', answers: { topics: 'Next quarter', energy: 5, focus: 'Delivery' }, privateQuestionIds: ['energy'] });
  await answer(PAIR, {
    cycle: 4,
    kind: 'followUpReport',
    answers: { held: true, notes: 'Good one' },
    meetingHeld: true,
    actionItems: [{ text: 'Share the plan', owner: 'report' }],
    completedActionItemIds: ['ai-1'],
  });
  await answer(PAIR, { cycle: 4, kind: 'feedback', answers: { keep: 'More check-ins', usefulness: 4 } });
  await addActionItem('ai-3', 4, 'followUpReport', 'Share the plan', 'report');

  // Cycle 5 closed by a pause, cycle 6 still ahead: neither counts towards the held rate.
  await addCycle(PAIR, 5, 'paused');
  await addCycle(PAIR, 6, 'planned');
  await sendForm(PAIR, 6, 'reflection', 'qs-a-2', 2);

  await db.pairLink.create({ data: { id: 'pl-1', pairId: PAIR, role: 'report', tokenHash: 'pairlinkhash'.padEnd(64, 'e'), expiresAt: meeting(60) } });
  await db.topic.create({ data: { id: 'topic-1', pairId: PAIR, addedByRole: 'manager', text: 'Career plans', forCycle: 6 } });
  await db.pairEvent.create({ data: { id: 'event-1', pairId: PAIR, cycleNumber: 2, kind: 'skipped', detail: '{"reason":"holiday"}' } });
  await db.outboxEmail.create({
    data: {
      id: `${PAIR}:1:reflection:report`,
      pairId: PAIR,
      cycleNumber: 1,
      stage: 'reflection',
      recipientRole: 'report',
      toAddress: 'raj@example.com',
      messageId: '<m1@rapport.test>',
      subject: 'Your 1:1 with Mia Manager',
      html: `<a href="http://rapport.test/forms/${SECRET_TOKEN}">Open</a>`,
      text: `http://rapport.test/forms/${SECRET_TOKEN}`,
      status: 'sent',
      sentAt: meeting(5),
    },
  });
}

const SMALL_SET: QuestionSetStages = {
  reflection: [
    { id: 'topics', text: 'Topics, "yours" first', type: 'text', required: true },
    { id: 'energy', text: 'Energy', type: 'scale', required: false },
  ],
  managerPrep: [{ id: 'topics', text: 'Your topics', type: 'text', required: false }],
  followUp: [
    { id: 'held', text: 'Held?', type: 'yesNo', required: true },
    { id: 'actionItems', text: 'Action items', type: 'actionItems', required: false },
    { id: 'notes', text: 'Notes', type: 'text', required: false },
  ],
  feedback: [],
};

async function seedSmallPair(): Promise<void> {
  await addPair(SMALL, 'mia+small@example.com');
  await addQuestionSet('qs-small-1', SMALL, 1, SMALL_SET);
  await db.cycle.create({ data: { id: `${SMALL}:1`, pairId: SMALL, number: 1, meetingAt: new Date('2025-02-04T09:00:00.000Z'), status: 'held' } });
  for (const kind of ['reflection', 'managerPrep', 'followUpReport'] as const) await sendForm(SMALL, 1, kind, 'qs-small-1', 1);
  await answer(SMALL, { cycle: 1, kind: 'reflection', answers: { topics: 'Hello, "world"\r\nline 2', energy: 4 }, privateQuestionIds: ['topics'] });
  await answer(SMALL, { cycle: 1, kind: 'managerPrep', answers: { topics: '=HYPERLINK("http://evil")' } });
  await answer(SMALL, {
    cycle: 1,
    kind: 'followUpReport',
    answers: { held: true, notes: '@everyone +1' },
    meetingHeld: true,
    actionItems: [
      { text: '-rm the old doc', owner: 'report' },
      { text: 'Plan, then ship', owner: 'manager' },
    ],
    completedActionItemIds: [],
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rapport-history-'));
  const url = `file:${join(dir, 'rapport.db')}`;
  await migrateDatabase(url);
  database = openDatabase(url);
  db = database.prisma;
  await seedRealisticPair();
  await seedSmallPair();
});

afterAll(async () => {
  await database?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('pairHistory', () => {
  let history: PairHistory;
  beforeAll(async () => {
    history = await pairHistory(db, PAIR);
  });

  it('counts held meetings over closed cycles only (held, skipped, not-held)', () => {
    expect(history.meetingsHeld).toEqual({ held: 2, unconfirmed: 0, skipped: 1, notHeld: 1, closed: 4, rate: 0.5, rateCounts: HELD_RATE_COUNTS });
  });

  it('counts action items done over all agreed', () => {
    expect(history.actionItems).toEqual({ done: 1, total: 3, rate: 1 / 3 });
  });

  it('lists every cycle with its status, forms sent and answered, and the action items agreed in it', () => {
    expect(history.timeline.map((c) => [c.number, c.status, c.skipReason])).toEqual([
      [1, 'held', null],
      [2, 'skipped', 'holiday'],
      [3, 'not-held', null],
      [4, 'held', null],
      [5, 'paused', null],
      [6, 'planned', null],
    ]);
    expect(history.timeline.map((c) => c.confirmedBy)).toEqual([['report', 'manager'], [], [], ['report'], [], []]);
    const [first, second, , fourth] = history.timeline;
    expect(first.meetingAt).toBe('2025-01-07T09:00:00.000Z');
    expect(first.forms.map((f) => [f.kind, f.recipient, f.answered])).toEqual([
      ['reflection', 'report', true],
      ['managerPrep', 'manager', true],
      ['followUpReport', 'report', true],
      ['followUpManager', 'manager', true],
      ['feedback', 'report', true],
    ]);
    expect(second.forms).toEqual([expect.objectContaining({ kind: 'reflection', answered: false, answeredAt: null })]);
    expect(first.actionItems).toEqual([
      { id: 'ai-1', text: 'Write the doc', owner: 'report', done: true, doneInCycle: 4 },
      { id: 'ai-2', text: 'Book training', owner: 'manager', done: false, doneInCycle: null },
    ]);
    expect(fourth.actionItems.map((i) => i.id)).toEqual(['ai-3']);
    expect(history.timeline[4].forms).toEqual([]);
  });

  it('gives a numeric series per scale question, labelled with its latest text', () => {
    expect(history.scaleSeries).toEqual([
      {
        key: 'reflection.energy',
        stage: 'reflection',
        questionId: 'energy',
        respondent: 'report',
        label: 'How energised do you feel?',
        points: [
          { x: 1, y: 3 },
          { x: 3, y: 2 },
          { x: 4, y: 5 },
        ],
      },
      {
        key: 'feedback.usefulness',
        stage: 'feedback',
        questionId: 'usefulness',
        respondent: 'report',
        label: 'How useful are our 1:1s?',
        points: [
          { x: 1, y: 3 },
          { x: 4, y: 4 },
        ],
      },
    ]);
  });

  it('keeps every question type over time, private answers included and flagged, text unescaped', () => {
    expect(history.questions.map((q) => [q.key, q.type])).toEqual([
      ['reflection.topics', 'text'],
      ['reflection.energy', 'scale'],
      ['reflection.focus', 'choice'],
      ['managerPrep.topics', 'text'],
      ['followUp.held', 'yesNo'],
      ['followUp.actionItems', 'actionItems'],
      ['followUp.notes', 'text'],
      ['feedback.keep', 'text'],
      ['feedback.usefulness', 'scale'],
    ]);
    const byKey = new Map(history.questions.map((q) => [q.key, q]));
    expect(byKey.get('reflection.topics')?.answers).toEqual([
      { cycle: 1, meetingAt: '2025-01-07T09:00:00.000Z', respondent: 'report', value: HTML_TOPIC, private: false },
      { cycle: 3, meetingAt: '2025-01-21T09:00:00.000Z', respondent: 'report', value: 'My health', private: true },
      { cycle: 4, meetingAt: '2025-01-28T09:00:00.000Z', respondent: 'report', value: 'Next quarter', private: false },
    ]);
    expect(byKey.get('reflection.energy')?.answers.map((a) => [a.cycle, a.value, a.private])).toEqual([
      [1, 3, false],
      [3, 2, false],
      [4, 5, true],
    ]);
    expect(byKey.get('reflection.focus')?.answers.map((a) => a.value)).toEqual(['Delivery']);
    expect(byKey.get('followUp.held')?.answers.map((a) => [a.cycle, a.respondent, a.value])).toEqual([
      [1, 'report', true],
      [1, 'manager', true],
      [3, 'report', false],
      [4, 'report', true],
    ]);
    expect(byKey.get('followUp.actionItems')?.answers.map((a) => [a.cycle, a.respondent, a.value])).toEqual([
      [1, 'report', [{ text: 'Write the doc', owner: 'report' }]],
      [1, 'manager', [{ text: 'Book training', owner: 'manager' }]],
      [4, 'report', [{ text: 'Share the plan', owner: 'report' }]],
    ]);
    // An empty optional answer is no answer.
    expect(byKey.get('followUp.notes')?.answers.map((a) => [a.cycle, a.value])).toEqual([[4, 'Good one']]);
  });

  it('shows the feedback on the manager per cycle: scales and text answers', () => {
    expect(history.feedback.results).toEqual([
      {
        cycle: 1,
        meetingAt: '2025-01-07T09:00:00.000Z',
        scales: [{ questionId: 'usefulness', question: 'How useful are our 1:1s?', value: 3, private: false }],
        texts: [{ questionId: 'keep', question: 'What should your manager keep doing?', value: 'Listening', private: false }],
      },
      {
        cycle: 4,
        meetingAt: '2025-01-28T09:00:00.000Z',
        scales: [{ questionId: 'usefulness', question: 'How useful are our 1:1s?', value: 4, private: false }],
        texts: [{ questionId: 'keep', question: 'What should your manager keep doing?', value: 'More check-ins', private: false }],
      },
    ]);
    expect(history.feedback.series.map((s) => s.points)).toEqual([
      [
        { x: 1, y: 3 },
        { x: 4, y: 4 },
      ],
    ]);
  });

  it('refuses an unknown pair with a clear error', async () => {
    await expect(pairHistory(db, 'no-such-pair')).rejects.toThrow(PairNotFoundError);
    await expect(pairHistory(db, 'no-such-pair')).rejects.toThrow('No pair with id "no-such-pair".');
  });
});

describe('lineChartSvg', () => {
  const hostile = '<script>alert("x")</script> & \'quotes\'';
  const series = {
    label: hostile,
    points: [
      { x: 1, y: 3 },
      { x: 3, y: 2 },
      { x: 4, y: 5 },
    ],
  };

  it('escapes every text value', () => {
    const svg = lineChartSvg(series, { xAxisLabel: 'C<y>cle', yAxisLabel: '"Score"' });
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('alert("x")');
    const escaped = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;quotes&apos;';
    expect(svg).toContain(`<title>${escaped}</title>`);
    expect(svg).toContain(`aria-label="${escaped}"`);
    expect(svg).toContain('>C&lt;y&gt;cle</text>');
    expect(svg).toContain('>&quot;Score&quot;</text>');
    // Every & left in the output starts an entity.
    expect(svg.match(/&(?!(amp|lt|gt|quot|apos);)/g)).toBeNull();
    // Categories are escaped too.
    expect(lineChartSvg({ label: 'x', points: [{ x: '<b>', y: 1 }] })).toContain('>&lt;b&gt;</text>');
  });

  it('is a self-contained, accessible SVG with a fixed 1-5 axis, axis labels and points', () => {
    const svg = lineChartSvg({ label: 'Energy', points: series.points });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.endsWith('</svg>')).toBe(true);
    expect(svg).toContain('role="img"');
    expect(svg).toContain('<title>Energy</title>');
    expect(svg).toContain('aria-label="Energy"');
    expect(svg).not.toMatch(/<script|<style|style=|href|<image|<foreignObject|url\(/);
    expect(svg.match(/https?:\/\/[^"\s]*/g)).toEqual(['http://www.w3.org/2000/svg']);
    for (const tick of ['1', '2', '3', '4', '5']) expect(svg).toContain(`text-anchor="end">${tick}</text>`);
    expect(svg).not.toContain('text-anchor="end">6</text>');
    expect(svg).toContain('>Cycle</text>');
    expect(svg).toContain('>Answer</text>');
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(svg.match(/<polyline /g)).toHaveLength(1);
    // Plot area 52..460 × 36..192: y=5 at the top, y=1 at the bottom, x to scale (cycle 2 is a gap).
    expect(svg).toContain('<polyline points="52,114 324,153 460,36"');
    expect(svg).toContain('<circle cx="460" cy="36" r="4" fill="#1d4ed8"><title>Cycle 4: 5</title></circle>');
  });

  it('gives the same string for the same input', () => {
    expect(lineChartSvg(series)).toBe(lineChartSvg({ label: hostile, points: [...series.points] }));
    expect(lineChartSvg(series)).not.toBe(lineChartSvg({ ...series, points: series.points.slice(0, 2) }));
  });

  it('draws no line for no points or one point', () => {
    const empty = lineChartSvg({ label: 'Energy', points: [] });
    expect(empty).toContain('>No answers yet</text>');
    expect(empty).not.toMatch(/<circle|<polyline|NaN|Infinity/);
    const single = lineChartSvg({ label: 'Energy', points: [{ x: 7, y: 4 }] });
    expect(single).not.toMatch(/<polyline|NaN|Infinity/);
    expect(single).toContain('<circle cx="256" cy="75" r="4"');
  });

  it('refuses values it cannot draw', () => {
    expect(() => lineChartSvg({ label: 'x', points: [{ x: 1, y: Number.NaN }] })).toThrow(RangeError);
  });
});

describe('exportPairJson', () => {
  it('holds the whole record and no link tokens, token hashes or email bodies', async () => {
    const exported = await exportPairJson(db, PAIR);
    const json = JSON.stringify(exported);
    expect(json).not.toContain(SECRET_TOKEN);
    expect(json).not.toMatch(/tokenHash|hash-pair|pairlinkhash/);
    expect(exported.outboxEmails).toEqual([
      {
        id: `${PAIR}:1:reflection:report`,
        cycleNumber: 1,
        stage: 'reflection',
        recipientRole: 'report',
        subject: 'Your 1:1 with Mia Manager',
        status: 'sent',
        attempts: 0,
        lastError: null,
        createdAt: expect.any(String),
        sentAt: '2025-01-05T09:00:00.000Z',
      },
    ]);

    expect(exported.pair).toMatchObject({
      id: PAIR,
      managerName: 'Mia Manager',
      managerEmail: 'mia@example.com',
      reportName: 'Raj Report',
      reportEmail: `raj+${PAIR}@example.com`,
      cadence: { kind: 'weekly', everyWeeks: 1, weekday: 2 },
      stageOffsets: { reflectionBefore: 2880, reminderBefore: 1440, agendaBefore: 60, followUpAfter: 1440 },
      feedbackEveryCycles: 3,
    });
    expect(exported.questionSets.map((s) => [s.id, s.scope, s.version])).toEqual([
      ['qs-org-1', 'org', 1],
      ['qs-a-2', PAIR, 2],
      ['qs-a-3', PAIR, 3],
    ]);
    expect(exported.questionSets[1].stages.reflection.map((q) => q.id)).toEqual(['topics', 'energy', 'focus']);
    expect(exported.cycles.map((c) => c.status)).toEqual(['held', 'skipped', 'not-held', 'held', 'paused', 'planned']);
    expect(exported.forms).toHaveLength(12);
    expect(Object.keys(exported.forms[0]).sort()).toEqual([
      'closedAt',
      'cycleNumber',
      'id',
      'kind',
      'questionSetId',
      'questionSetVersion',
      'recipientRole',
      'sentAt',
    ]);
    const reflection3 = exported.answers.find((a) => a.formId === `${PAIR}:3:reflection`);
    expect(reflection3?.payload).toEqual({
      answers: { topics: 'My health', energy: 2 },
      actionItems: [],
      completedActionItemIds: [],
      privateQuestionIds: ['topics'],
    });
    expect(exported.answers.find((a) => a.formId === `${PAIR}:1:reflection`)?.payload.answers.topics).toBe(HTML_TOPIC);
    expect(exported.actionItems.map((i) => [i.id, i.done])).toEqual([
      ['ai-1', true],
      ['ai-2', false],
      ['ai-3', false],
    ]);
    expect(exported.topics).toEqual([{ id: 'topic-1', forCycle: 6, addedByRole: 'manager', text: 'Career plans', createdAt: expect.any(String) }]);
    expect(exported.events).toEqual([{ id: 'event-1', cycleNumber: 2, kind: 'skipped', detail: { reason: 'holiday' }, at: expect.any(String) }]);
  });

  it('refuses an unknown pair with a clear error', async () => {
    await expect(exportPairJson(db, 'no-such-pair')).rejects.toThrow('No pair with id "no-such-pair".');
  });
});

describe('exportPairCsv', () => {
  it('writes one RFC 4180 row per answered question, with formulas neutralised', async () => {
    const at = '2025-02-04T09:00:00.000Z';
    expect(await exportPairCsv(db, SMALL)).toBe(
      [
        'cycle,meeting_at,form,respondent,question_id,question,answer,private,meeting_status',
        `1,${at},reflection,report,topics,"Topics, ""yours"" first","Hello, ""world""\r\nline 2",true,held`,
        `1,${at},reflection,report,energy,Energy,4 / 5,false,held`,
        `1,${at},managerPrep,manager,topics,Your topics,"'=HYPERLINK(""http://evil"")",false,held`,
        `1,${at},followUpReport,report,held,Held?,Yes,false,held`,
        `1,${at},followUpReport,report,actionItems,Action items,"'-rm the old doc (report)\nPlan, then ship (manager)",false,held`,
        `1,${at},followUpReport,report,notes,Notes,'@everyone +1,false,held`,
        '',
      ].join('\r\n'),
    );
  });

  it('has only the header for a pair with no answers', async () => {
    await addPair('pair-history-empty', 'mia+empty@example.com');
    expect(await exportPairCsv(db, 'pair-history-empty')).toBe('cycle,meeting_at,form,respondent,question_id,question,answer,private,meeting_status\r\n');
  });

  it('refuses an unknown pair with a clear error', async () => {
    await expect(exportPairCsv(db, 'no-such-pair')).rejects.toThrow(PairNotFoundError);
  });
});

describe('a meeting counts as held only when someone confirmed it took place', () => {
  const UNCONFIRMED = 'pair-history-unconfirmed';
  beforeAll(async () => {
    await addPair(UNCONFIRMED, 'mia+unconfirmed@example.com');
    await addQuestionSet('qs-unconfirmed-1', UNCONFIRMED, 1, SMALL_SET);
    const followUp = async (cycle: number, kind: 'followUpReport' | 'followUpManager', meetingHeld: boolean | undefined, notes = '') => {
      await sendForm(UNCONFIRMED, cycle, kind, 'qs-unconfirmed-1', 1);
      await answer(UNCONFIRMED, {
        cycle,
        kind,
        answers: { ...(meetingHeld === undefined ? {} : { held: meetingHeld }), notes },
        meetingHeld,
        actionItems: [],
        completedActionItemIds: [],
      });
    };
    // 1: the manager confirmed it. 2: closed, nobody answered a follow-up. 3: a follow-up answered
    // without saying whether it took place. 4: skipped. 5: one said yes, the other no.
    await addCycle(UNCONFIRMED, 1, 'held');
    await followUp(1, 'followUpManager', true);
    await addCycle(UNCONFIRMED, 2, 'held');
    await sendForm(UNCONFIRMED, 2, 'followUpReport', 'qs-unconfirmed-1', 1);
    await addCycle(UNCONFIRMED, 3, 'held');
    await followUp(3, 'followUpReport', undefined, 'A note');
    await addCycle(UNCONFIRMED, 4, 'skipped', 'offsite');
    await addCycle(UNCONFIRMED, 5, 'not-held');
    await followUp(5, 'followUpReport', true);
    await followUp(5, 'followUpManager', false);
  });

  it('tells confirmed, unconfirmed, skipped and not-held meetings apart, with who confirmed', async () => {
    const history = await pairHistory(db, UNCONFIRMED);
    expect(history.timeline.map((c) => [c.number, c.status, c.confirmedBy])).toEqual([
      [1, 'held', ['manager']],
      [2, 'unconfirmed', []],
      [3, 'unconfirmed', []],
      [4, 'skipped', []],
      [5, 'not-held', ['report']],
    ]);
  });

  it('rates only the confirmed meetings as held, and says so', async () => {
    const { meetingsHeld } = await pairHistory(db, UNCONFIRMED);
    expect(meetingsHeld).toEqual({ held: 1, unconfirmed: 2, skipped: 1, notHeld: 1, closed: 5, rate: 0.2, rateCounts: HELD_RATE_COUNTS });
    expect(meetingsHeld.rateCounts).toMatch(/^meetings someone confirmed took place, out of every closed meeting/);
  });

  it('exports the status as the history tells it, with the recorded one and who confirmed', async () => {
    const exported = await exportPairJson(db, UNCONFIRMED);
    expect(exported.cycles.map((c) => [c.status, c.recordedStatus, c.confirmedBy])).toEqual([
      ['held', 'held', ['manager']],
      ['unconfirmed', 'held', []],
      ['unconfirmed', 'held', []],
      ['skipped', 'skipped', []],
      ['not-held', 'not-held', ['report']],
    ]);
    const csv = (await exportPairCsv(db, UNCONFIRMED)).split('\r\n');
    expect(csv).toContain(`3,${meeting(21).toISOString()},followUpReport,report,notes,Notes,A note,false,unconfirmed`);
    expect(csv).toContain(`1,${meeting(7).toISOString()},followUpManager,manager,held,Held?,Yes,false,held`);
  });
});
