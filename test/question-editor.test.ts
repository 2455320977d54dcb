// The question-set editor (templates/pages/partials/question-editor.hbs and
// question-sets/question-set-editor.ts): every property of every question has an input on the page,
// so any valid question set, sent back from its page unchanged, reads back as the same set; a save
// that changes nothing makes no version; a version's note names only what changed.
import fc from 'fast-check';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { stagesFromEditor } from '../question-sets/question-set-editor';
import { describeQuestionSetChange, questionSetProblems } from '../question-sets/question-set-rules';
import { STAGES_THAT_CAN_BE_DISABLED, type Question, type QuestionSetStage, type QuestionSetStages, type QuestionType } from '../question-sets/question-types';
import { DEFAULT_QUESTION_SET } from '../question-sets/default-question-set';
import { editorFields, editorHtml, postedFields } from './support/question-editor-form';
import { startAdminServer, type AdminServer } from './support/admin-server';
import { startRapportStack, type RapportStack } from '../harness/rapport-stack';
import { createTimeSkippingEnv } from '../harness/temporal-env';

const STAGES: QuestionSetStage[] = ['reflection', 'managerPrep', 'followUp', 'feedback'];

// ---- Any valid question set ---------------------------------------------------------------------

/**
 * Text as a person types it into one line: any characters but control ones and line breaks, with no
 * space around it (the editor trims what it reads, and a text input cannot hold a line break).
 */
const lineOfText = (maxLength: number) =>
  fc
    .string({ unit: 'grapheme', minLength: 1, maxLength })
    .map((text) => text.replace(/\p{Cc}/gu, '').trim())
    .filter((text) => text !== '');
const questionId = fc.stringMatching(/^[a-z][a-zA-Z0-9_-]{0,39}$/);

function questionOf(type: QuestionType): fc.Arbitrary<Omit<Question, 'id'>> {
  const base = { text: lineOfText(60), required: fc.boolean() };
  if (type === 'choice') return fc.record({ ...base, type: fc.constant(type), options: fc.uniqueArray(lineOfText(20), { minLength: 2, maxLength: 5 }) });
  if (type === 'scale') {
    return fc.record(
      { ...base, type: fc.constant(type), scaleLabels: fc.record({ low: lineOfText(15), high: lineOfText(15) }) },
      { requiredKeys: ['text', 'required', 'type'] },
    );
  }
  if (type === 'text')
    return fc.record({ ...base, type: fc.constant(type), maxLength: fc.integer({ min: 1, max: 10_000 }) }, { requiredKeys: ['text', 'required', 'type'] });
  return fc.record({ ...base, type: fc.constant(type) });
}

function stageQuestions(stage: QuestionSetStage): fc.Arbitrary<Question[]> {
  const types: QuestionType[] = stage === 'followUp' ? ['text', 'scale', 'yesNo', 'choice', 'actionItems'] : ['text', 'scale', 'yesNo', 'choice'];
  const question = fc.constantFrom(...types).chain(questionOf);
  return fc
    .tuple(fc.uniqueArray(questionId, { maxLength: 4 }), fc.array(question, { minLength: 4, maxLength: 4 }))
    .map(([ids, questions]) => ids.map((id, index) => ({ id, ...questions[index] })));
}

/** Switched-off stages as the editor writes them: absent when none, else in the order of STAGES_THAT_CAN_BE_DISABLED. */
const disabledStages = fc.subarray(STAGES_THAT_CAN_BE_DISABLED);

const anyQuestionSet: fc.Arbitrary<QuestionSetStages> = fc
  .record({
    reflection: stageQuestions('reflection'),
    managerPrep: stageQuestions('managerPrep'),
    followUp: stageQuestions('followUp'),
    feedback: stageQuestions('feedback'),
    off: disabledStages,
  })
  .map(({ off, ...stages }) => (off.length > 0 ? { ...stages, disabledStages: off } : stages))
  // Plain objects, as a set read from the database is (fast-check's records have no prototype).
  .map((stages) => JSON.parse(JSON.stringify(stages)) as QuestionSetStages);

const fromItsPage = (stages: QuestionSetStages) => stagesFromEditor(postedFields(editorHtml(stages)));

describe('the editor’s form', () => {
  it('reads back any valid question set it shows, sent unchanged, as the same set', () => {
    fc.assert(
      fc.property(anyQuestionSet, (stages) => {
        expect(questionSetProblems(stages)).toEqual([]);
        expect(fromItsPage(stages)).toStrictEqual(stages);
        expect(describeQuestionSetChange(stages, fromItsPage(stages))).toBe('no change');
      }),
      { numRuns: 150 },
    );
  });

  it('names only the question whose one field was changed on the page', () => {
    const oneSet = anyQuestionSet.filter((stages) => STAGES.some((stage) => stages[stage].length > 0));
    fc.assert(
      fc.property(oneSet, fc.nat(), lineOfText(12), (stages, pick, typed) => {
        const rows = STAGES.flatMap((stage) => stages[stage].map((question, index) => ({ stage, index, question })));
        const { stage, index, question } = rows[pick % rows.length];
        const input = { choice: 'options', scale: 'scaleHigh', text: 'maxLength', yesNo: 'text', actionItems: 'text' }[question.type];
        const value = input === 'maxLength' ? String((question.maxLength ?? 0) + 1) : `${typed} changed`;
        const fields = { ...postedFields(editorHtml(stages)), [`${stage}.${index}.${input}`]: input === 'options' ? `${value}\r\nanother ${value}` : value };
        fc.pre(value !== question.text && value !== question.scaleLabels?.high);
        const edited = stagesFromEditor(fields);
        expect(describeQuestionSetChange(stages, edited)).toBe(`${stage}: edited ${question.id}`);
      }),
      { numRuns: 100 },
    );
  });

  it('shows each question the fields of its type only, and a changed type its own after the page comes back', () => {
    const html = editorHtml(DEFAULT_QUESTION_SET);
    const fields = postedFields(html);
    // energy is a scale, topics a text, held a yes-or-no question.
    expect(fields).toMatchObject({ 'reflection.3.scaleLow': 'drained', 'reflection.3.scaleHigh': 'energised', 'reflection.0.maxLength': '' });
    expect(Object.keys(fields).filter((name) => name.startsWith('reflection.3.'))).not.toContain('reflection.3.maxLength');
    expect(Object.keys(fields).filter((name) => /^followUp\.0\.(options|scaleLow|scaleHigh|maxLength)$/.test(name))).toEqual([]);
    expect(html).toContain('<label for="reflection-3-scaleLow">What 1 means</label>');

    // The energy scale turned into a choice: its labels are not kept; the page shown again asks for the options.
    const asChoice = stagesFromEditor({ ...fields, 'reflection.3.type': 'choice' });
    expect(asChoice.reflection[3]).toStrictEqual({ id: 'energy', text: DEFAULT_QUESTION_SET.reflection[3].text, type: 'choice', required: false, options: [] });
    expect(questionSetProblems(asChoice).map((p) => p.message)).toEqual([
      expect.stringMatching(/^reflection question 4: a choice question needs at least two options$/i),
    ]);
    const again = postedFields(editorHtml(asChoice));
    expect(again['reflection.3.options']).toBe('');
    expect(again['reflection.3.scaleLow']).toBeUndefined();
  });
});

// ---- Saving from the admin's pair page ------------------------------------------------------------

it('keeps the fields of the editor in step with the test’s own reading of the form', () => {
  // editorFields is what the other tests post: the page's form, nothing changed.
  expect(stagesFromEditor(editorFields(DEFAULT_QUESTION_SET, 'x'))).toStrictEqual(DEFAULT_QUESTION_SET);
});

describe('saving from the admin’s pair page', () => {
  let env: TestWorkflowEnvironment;
  let stack: RapportStack;
  let admin: AdminServer;

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    stack = await startRapportStack(env);
    admin = await startAdminServer(env, stack);
  });

  afterAll(async () => {
    await admin?.close();
    await stack?.stop();
    await env?.teardown();
  });

  let people = 0;
  async function newPair(): Promise<string> {
    people += 1;
    const created = await admin.api('POST', '/admin/api/pairs', {
      manager: { name: 'Maya Manager', email: `editor-maya${people}@example.com` },
      report: { name: 'Ravi Report', email: `editor-ravi${people}@example.com` },
      settings: { cadence: { kind: 'weekly', everyWeeks: 1, weekday: 4 }, meetingTime: '10:00', timeZone: 'Europe/Berlin' },
    });
    expect(created.status).toBe(201);
    return created.json.pairId as string;
  }

  /** What the pair's page sends when its editor is saved: read from the page itself. */
  async function editorOfPage(pairId: string): Promise<Record<string, string>> {
    const page = await fetch(`${admin.base}/admin/pairs/${pairId}`, { headers: { cookie: admin.cookie } });
    expect(page.status).toBe(200);
    return postedFields(await page.text());
  }

  const versionsOf = async (pairId: string) =>
    (await stack.db.questionSet.findMany({ where: { scope: pairId }, orderBy: { version: 'asc' } })).map((row) => ({ version: row.version, note: row.note }));

  const notice = async (location: string | null) => {
    const page = await fetch(`${admin.base}${location ?? ''}`, { headers: { cookie: admin.cookie } });
    return /<p class="notice" role="status">([^<]*)<\/p>/.exec(await page.text())?.[1];
  };

  it('saves no version for a page sent back unchanged, and says nothing changed', async () => {
    const pairId = await newPair();
    const unchanged = await admin.form(`/admin/pairs/${pairId}/question-set`, await editorOfPage(pairId));
    expect(unchanged.status).toBe(303);
    expect(await versionsOf(pairId)).toEqual([]);
    expect(await notice(unchanged.headers.get('location'))).toBe('Nothing changed in the questions, so no new version was saved.');

    // The same holds for a set the API stored with its keys in another order than the editor writes them.
    const reordered = (question: Question) => Object.fromEntries(Object.entries(question).reverse()) as unknown as Question;
    const stages = Object.fromEntries(STAGES.map((stage) => [stage, DEFAULT_QUESTION_SET[stage].map(reordered)])) as unknown as QuestionSetStages;
    expect((await admin.api('PUT', `/admin/api/pairs/${pairId}/question-set`, { stages })).status).toBe(200);
    expect((await admin.form(`/admin/pairs/${pairId}/question-set`, await editorOfPage(pairId))).status).toBe(303);
    expect((await versionsOf(pairId)).map((v) => v.version)).toEqual([2]);
    await admin.api('POST', `/admin/api/pairs/${pairId}/end`, {});
  });

  it('edits a scale’s labels and a text’s length limit from the page, and notes only those questions', async () => {
    const pairId = await newPair();
    const fields = await editorOfPage(pairId);
    const usefulness = DEFAULT_QUESTION_SET.feedback.findIndex((question) => question.id === 'usefulness');
    const saved = await admin.form(`/admin/pairs/${pairId}/question-set`, {
      ...fields,
      [`feedback.${usefulness}.scaleLow`]: 'a waste of time',
      [`feedback.${usefulness}.scaleHigh`]: 'the best hour of my week',
      'reflection.0.maxLength': '500',
    });
    expect(saved.status).toBe(303);
    expect(await notice(saved.headers.get('location'))).toBe('Saved as a new version; the next form sent uses it.');
    expect(await versionsOf(pairId)).toEqual([{ version: 2, note: 'reflection: edited topics; feedback: edited usefulness' }]);
    const set = (await admin.api('GET', `/admin/api/pairs/${pairId}/question-set`)).json;
    expect(set.stages.feedback[usefulness].scaleLabels).toEqual({ low: 'a waste of time', high: 'the best hour of my week' });
    expect(set.stages.reflection[0].maxLength).toBe(500);
    // Every other scale kept its labels.
    expect(set.stages.reflection[3]).toStrictEqual(DEFAULT_QUESTION_SET.reflection[3]);

    // The next page shows what was saved, and sent as it is saves nothing.
    const next = await editorOfPage(pairId);
    expect(next[`feedback.${usefulness}.scaleHigh`]).toBe('the best hour of my week');
    expect(next['reflection.0.maxLength']).toBe('500');
    expect((await admin.form(`/admin/pairs/${pairId}/question-set`, next)).status).toBe(303);
    expect(await versionsOf(pairId)).toHaveLength(1);

    // A bad length limit is refused beside its input; nothing is saved.
    const refused = await admin.form(`/admin/pairs/${pairId}/question-set`, { ...next, 'reflection.0.maxLength': 'lots' });
    expect(refused.status).toBe(422);
    const body = await refused.text();
    expect(body).toMatch(/<p class="error" id="reflection-0-maxLength-problem">Reflection question 1: [^<]*maxLength[^<]*1 to 10000/);
    expect(body).toMatch(/id="reflection-0-maxLength"[^>]*aria-invalid="true" aria-describedby="reflection-0-maxLength-problem"/);
    expect(await versionsOf(pairId)).toHaveLength(1);
    await admin.api('POST', `/admin/api/pairs/${pairId}/end`, {});
  });
});
