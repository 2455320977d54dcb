// The manager's page for the pair and feedback on the manager, against the real worker, Temporal
// (time-skipping), SMTP and SQLite: the manager shapes the pair's questions (a new version saved
// as the manager, used by the next form; bad edits refused beside their fields with nothing
// saved), accepts the report's suggestion (the report's next form says so, once), and the feedback
// form asks how to share instead of offering private boxes: pooled answers are on no record and
// count only in the manager's summary, which shows nothing until three reports answered that way.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { exportPairCsv } from '../pairs/pair-export';
import { pairHistory } from '../pairs/pair-history';
import type { Person } from '../pairs/registration';
import { DEFAULT_QUESTION_SET } from '../question-sets/default-question-set';
import type { QuestionSetStages } from '../question-sets/question-types';
import { PUBLIC_BASE_URL, SAMPLE_PAIR, type RapportStack } from '../harness/rapport-stack';
import { pairAtReflection } from './support/pair-at-reflection';
import { advanceTo, messageIdOf, sameMessageId, waitForStatus } from './support/pair-driver';
import { linksIn, type WebClient } from './support/web-client';
import { startWebTestStack, stopWebTestStack } from './support/web-test-stack';
import { editorFields as editorFieldsOf } from './support/question-editor-form';

let env: TestWorkflowEnvironment;
let stack: RapportStack;
let app: FastifyInstance;
let web: WebClient;
let people = 0;

beforeAll(async () => {
  ({ env, stack, app, web } = await startWebTestStack());
});

afterAll(() => stopWebTestStack({ env, stack, app }));

const NOT_ENOUGH = 'Not enough answers yet to show a summary without identifying anyone.';
const INVALID_LINK = 'This link does not work';

function person(name: string, prefix: string): Person {
  people += 1;
  return { name, email: `${prefix}${people}@example.com` };
}

/** The fields the editor sends, with a submission id of this test's own. */
const editorFields = (stages: QuestionSetStages, submission = `edit-${people}-${Date.now()}`) => editorFieldsOf(stages, submission);

const pageOf = (recordLink: string) => recordLink.replace(/\/record$/, '/questions');
const formLinkOf = async (pairId: string, cycle: number, stage: string, role: 'report' | 'manager') => {
  const [email] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, cycle, stage, role)));
  return { email, form: linksIn(email.text, PUBLIC_BASE_URL).find((link) => link.includes('/forms/'))! };
};
const versionsOf = (pairId: string) => stack.db.questionSet.findMany({ where: { scope: pairId }, orderBy: { version: 'asc' } });

it('lets the manager shape the questions with the report: new versions, refusals beside their fields, suggestions told in the next form', async () => {
  const manager = person('Maya Manager', 'maya');
  const pair = await pairAtReflection(env, stack, { manager, report: person('Ravi Report', 'ravi') });
  const managerPage = pageOf(pair.managerRecordLink);

  // Only the manager's link opens it: the report's answers like an invalid link; GET changes nothing.
  const asReport = await web.get(pageOf(pair.reportRecordLink));
  expect(asReport.status).toBe(404);
  expect(asReport.body).toContain(INVALID_LINK);
  const page = await web.get(managerPage);
  expect(page.status).toBe(200);
  expect(page.body).toContain('Questions (version 1)');
  expect(page.body).toContain('Anything else worth keeping in the record?');
  expect(await versionsOf(pair.pairId)).toHaveLength(0);
  // Linked from the manager's emails and record page, never from the report's.
  expect(pair.prep.text).toContain(managerPage);
  expect(pair.reflection.text).not.toContain('/questions');
  expect((await web.get(pair.managerRecordLink)).body).toContain('href="questions"');
  expect((await web.get(pair.reportRecordLink)).body).not.toContain('href="questions"');

  // Refused: from another site, with an unknown field, with problems (each beside its field); nothing saved.
  const notes = { ...editorFields(DEFAULT_QUESTION_SET), 'followUp.2.text': 'What should we remember from this meeting?' };
  expect((await web.post(managerPage, notes, { origin: 'https://elsewhere.example' })).status).toBe(403);
  const unknown = await web.post(managerPage, { ...notes, 'private.topics': 'on' });
  expect(unknown.status).toBe(422);
  expect(unknown.body).toContain('The form sent something it does not ask for');
  const bad = await web.post(managerPage, {
    ...notes,
    'followUp.2.text': '',
    'feedback.4.text': 'Which part of the week?',
    'feedback.4.type': 'choice',
    'feedback.4.options': 'Mornings',
    'feedback.4.new': '1',
  });
  expect(bad.status).toBe(422);
  expect(bad.body).toContain('Follow-up question 3: the question needs text');
  expect(bad.body).toContain('Feedback question 5: a choice question needs at least two options');
  expect(bad.body).toContain('aria-describedby="followUp-2-text-problem"');
  expect(bad.body).toContain('aria-describedby="feedback-4-options-problem"');
  expect(bad.body).toContain('Which part of the week?'); // what was typed is kept
  expect(await versionsOf(pair.pairId)).toHaveLength(0);
  // The feedback on the manager is the report's: its questions stay as an admin set them.
  const feedbackEdit = await web.post(managerPage, { ...notes, 'feedback.0.text': 'Am I the best manager you ever had?' });
  expect(feedbackEdit.status).toBe(422);
  expect(feedbackEdit.body).toContain('an admin sets them, so they stay as they are here');
  expect(await versionsOf(pair.pairId)).toHaveLength(0);

  // Saved as the manager, with the audit's description; the same page sent twice saves once.
  const saved = await web.post(managerPage, notes);
  expect(saved.status).toBe(303);
  expect((await versionsOf(pair.pairId)).map((v) => [v.version, v.createdBy, v.note])).toEqual([[2, 'manager', 'followUp: edited notes']]);
  expect((await web.post(managerPage, notes)).status).toBe(303);
  expect(await versionsOf(pair.pairId)).toHaveLength(1);
  expect((await web.get(`${managerPage}?done=unchanged`)).body).toContain('Nothing to save');
  expect((await web.get(managerPage)).body).toContain('Questions (version 2)');

  // The report suggests; the manager sees it and accepts it (a bad decision is refused first).
  expect((await web.post(`${pair.reflectionLink}/suggestion`, { suggestion: 'Ask me about focus time' })).status).toBe(200);
  const withSuggestion = await web.get(managerPage);
  expect(withSuggestion.body).toContain('Ask me about focus time');
  const suggestion = await stack.db.questionSuggestion.findFirstOrThrow({ where: { pairId: pair.pairId } });
  const refusedDecision = await web.post(`${managerPage}/suggestions`, { suggestion: suggestion.id, decision: 'maybe', submission: 'decide-1' });
  expect(refusedDecision.status).toBe(422);
  expect(refusedDecision.body).toContain('Choose to accept or dismiss the suggestion.');
  expect((await stack.db.questionSuggestion.findUniqueOrThrow({ where: { id: suggestion.id } })).status).toBe('open');
  expect((await web.post(`${managerPage}/suggestions`, { suggestion: suggestion.id, decision: 'accepted', submission: 'decide-2' })).status).toBe(303);
  expect(await stack.db.questionSuggestion.findUniqueOrThrow({ where: { id: suggestion.id } })).toMatchObject({ status: 'accepted', decidedBy: 'manager' });
  expect((await web.get(managerPage)).body).not.toContain('Ask me about focus time');

  // The next forms use the manager's version; the report's tells them their suggestion was taken up.
  await advanceTo(env, pair.stageAt('followUp') + 1_000);
  const reportFollowUp = await formLinkOf(pair.pairId, 1, 'followUpReport', 'report');
  const managerFollowUp = await formLinkOf(pair.pairId, 1, 'followUpManager', 'manager');
  const followUpPage = await web.get(reportFollowUp.form);
  expect(followUpPage.body).toContain('Your suggestion “Ask me about focus time” was taken up by Maya Manager.');
  expect(followUpPage.body).toContain('What should we remember from this meeting?');
  expect((await web.get(managerFollowUp.form)).body).toContain('What should we remember from this meeting?');
  expect((await web.get(managerFollowUp.form)).body).not.toContain('was taken up');
  // No private box on "did the 1:1 take place"; a POST that sends one anyway stores nothing.
  expect(followUpPage.body).not.toContain('name="private.held"');
  expect(followUpPage.body).toContain('name="private.notes"');
  const privateHeld = await web.post(reportFollowUp.form, { 'q.held': 'yes', 'private.held': 'on' });
  expect(privateHeld.status).toBe(422);
  expect(await stack.db.answer.count({ where: { pairId: pair.pairId, kind: 'followUpReport' } })).toBe(0);

  // Told once: the report's form after that one no longer says it.
  const second = await waitForStatus(pair.handle, (s) => s.cycle === 2);
  await advanceTo(env, Date.parse(second.nextEvents.find((e) => e.stage === 'reflection')!.at) + 1_000);
  const nextReflection = await formLinkOf(pair.pairId, 2, 'reflection', 'report');
  expect((await web.get(nextReflection.form)).body).not.toContain('was taken up');
}, 120_000);

it('asks how to share feedback, keeps pooled answers off every record, and pools them only from three reports', async () => {
  const manager = person('Maya Manager', 'pool');
  const created = [];
  for (const name of ['Ana', 'Ben', 'Cleo']) {
    const { pairId, handle } = await stack.createPair({
      manager,
      report: person(`${name} Report`, name.toLowerCase()),
      settings: { ...SAMPLE_PAIR.settings, feedbackEveryCycles: 1 },
    });
    const status = await waitForStatus(handle, (s) => s.cycle === 1);
    created.push({ pairId, followUpAt: Date.parse(status.nextEvents.find((e) => e.stage === 'followUp')!.at) });
  }
  await advanceTo(env, Math.max(...created.map((c) => c.followUpAt)) + 1_000);
  const pairs = [];
  for (const { pairId } of created) {
    const feedback = await formLinkOf(pairId, 1, 'feedback', 'report');
    const prep = await formLinkOf(pairId, 1, 'managerPrep', 'manager');
    const record = (email: typeof prep.email) => linksIn(email.text, PUBLIC_BASE_URL).find((link) => link.endsWith('/record'))!;
    pairs.push({ pairId, feedback: feedback.form, managerRecord: record(prep.email), reportRecord: record(feedback.email) });
  }
  const [ana, ben, cleo] = pairs;
  const managerPage = pageOf(ana.managerRecord);
  const answersOf = (pairId: string) => stack.db.answer.count({ where: { pairId, kind: 'feedback' } });

  // The form: one required sharing choice, named by default, and no private boxes.
  const form = await web.get(ana.feedback);
  expect(form.body).toContain('How should Maya Manager see this?');
  expect(form.body).toMatch(/name="feedbackSharing" value="named"[^>]* checked/);
  expect(form.body).toContain('Only in a summary pooled with Maya Manager&#x27;s other reports&#x27; feedback');
  expect(form.body).not.toContain('name="private.');
  const keepPrivate = await web.post(ana.feedback, { 'q.keep': 'Listens well', 'q.usefulness': '4', feedbackSharing: 'pooled', 'private.keep': 'on' });
  expect(keepPrivate.status).toBe(422);
  const noChoice = await web.post(ana.feedback, { 'q.keep': 'Listens well', 'q.usefulness': '4' });
  expect(noChoice.status).toBe(422);
  expect(noChoice.body).toContain('Choose how your manager sees this feedback.');
  expect(await answersOf(ana.pairId)).toBe(0);

  // Ana shares pooled: on her own record, on no other view of the pair, and not yet in the summary.
  expect((await web.post(ana.feedback, { 'q.keep': 'Listens well', 'q.usefulness': '4', feedbackSharing: 'pooled' })).status).toBe(200);
  expect((await web.get(ana.reportRecord)).body).toContain('Listens well');
  const managerRecord = (await web.get(ana.managerRecord)).body;
  expect(managerRecord).not.toContain('Listens well');
  expect(managerRecord).not.toContain('Feedback on the manager');
  expect(JSON.stringify(await pairHistory(stack.db, ana.pairId))).not.toContain('Listens well');
  expect(await exportPairCsv(stack.db, ana.pairId)).not.toContain('Listens well');
  expect((await web.get(ana.feedback)).body).toMatch(/name="feedbackSharing" value="pooled"[^>]* checked/);

  // Two pooled and one named: still nothing, and no count that would identify anyone.
  expect((await web.post(ben.feedback, { 'q.change': 'More focus time', 'q.usefulness': '5', feedbackSharing: 'pooled' })).status).toBe(200);
  expect((await web.post(cleo.feedback, { 'q.keep': 'Clear priorities', 'q.usefulness': '3', feedbackSharing: 'named' })).status).toBe(200);
  const below = (await web.get(managerPage)).body;
  expect(below).toContain(NOT_ENOUGH);
  for (const hidden of ['Listens well', 'More focus time', 'Clear priorities', ' of 3', '2 answers']) expect(below).not.toContain(hidden);
  expect((await web.get(cleo.managerRecord)).body).toContain('Clear priorities'); // named: on the record, by name

  // Cleo changes her mind: three reports pooled, so the summary shows, without names, sorted.
  expect((await web.post(cleo.feedback, { 'q.keep': 'Clear priorities', 'q.usefulness': '3', feedbackSharing: 'pooled' })).status).toBe(200);
  expect((await web.get(cleo.managerRecord)).body).not.toContain('Clear priorities');
  const shown = (await web.get(pageOf(ben.managerRecord))).body;
  expect(shown).not.toContain(NOT_ENOUGH);
  expect(shown).toContain('4.0 / 5 on average, from 3 answers');
  expect(shown.indexOf('Clear priorities')).toBeLessThan(shown.indexOf('Listens well'));
  expect(shown).toContain('More focus time');
  const summary = shown.slice(shown.indexOf('Feedback from your reports, pooled'));
  for (const name of ['Ana', 'Ben', 'Cleo']) expect(summary).not.toContain(name);
}, 120_000);
