// What a copy of the database gives away, against the real worker, web service, Temporal
// (time-skipping), SMTP and SQLite: after a whole cycle (forms, a reminder, the agenda, the
// follow-ups and feedback, answers, a topic and a suggestion posted, one recipient refused for good
// and one message deferred), no column of any table holds a token of any email, nor anything shaped
// like a live form or pair link. The outbox keeps what was sent, with the tokens blanked.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { REMOVED_TOKEN, TOKEN_LENGTH } from '../pairs/link-tokens';
import type { Role } from '../workflows/pair-types';
import { advanceTo, messageIdOf, sameMessageId, waitForStatus, type PairHandle } from './support/pair-driver';
import { PUBLIC_BASE_URL, SAMPLE_PAIR, type RapportStack } from '../harness/rapport-stack';
import type { ReceivedEmail } from '../harness/smtp-sink';
import { linksIn, type WebClient } from './support/web-client';
import { startWebTestStack, stopWebTestStack } from './support/web-test-stack';

let env: TestWorkflowEnvironment;
let stack: RapportStack;
let app: FastifyInstance;
let web: WebClient;

beforeAll(async () => {
  ({ env, stack, app, web } = await startWebTestStack());
});

afterAll(() => stopWebTestStack({ env, stack, app }));

const REFUSED_REPORT = 'refused.report@example.com';
const LIVE_LINK = new RegExp(`/(?:forms|pairs)/[A-Za-z0-9_-]{${TOKEN_LENGTH}}`);

interface Pair {
  pairId: string;
  handle: PairHandle;
}

const tokenOf = (link: string) => new URL(link).pathname.split('/')[2];

async function emailOf(pairId: string, stage: string, role: Role): Promise<ReceivedEmail> {
  const [email] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, 1, stage, role)));
  return email;
}

function linkIn(email: ReceivedEmail, kind: 'form' | 'topic'): string {
  const links = linksIn(email.text, PUBLIC_BASE_URL);
  const found = kind === 'form' ? links.find((link) => link.includes('/forms/')) : links.find((link) => link.endsWith('/topic'));
  if (!found) throw new Error(`no ${kind} link in the email "${email.subject}"`);
  return found;
}

async function answer(email: ReceivedEmail, fields: Record<string, string>): Promise<void> {
  const saved = await web.post(linkIn(email, 'form'), fields);
  expect({ subject: email.subject, status: saved.status }).toEqual({ subject: email.subject, status: 200 });
}

/** One pair that answers everything, and one whose report's address the relay refuses for good. */
async function createPairs(): Promise<{ answering: Pair; refused: Pair; stageAt: (stage: string) => number }> {
  const settings = { ...SAMPLE_PAIR.settings, feedbackEveryCycles: 1 };
  const answering = await stack.createPair({ ...SAMPLE_PAIR, settings });
  const refused = await stack.createPair({
    manager: { name: 'Nia Manager', email: 'nia@example.com' },
    report: { name: 'Omar Report', email: REFUSED_REPORT },
    settings,
  });
  const status = await waitForStatus(answering.handle, (s) => s.cycle === 1);
  await waitForStatus(refused.handle, (s) => s.cycle === 1);
  return { answering, refused, stageAt: (stage) => Date.parse(status.nextEvents.find((e) => e.stage === stage)!.at) };
}

async function reachStage(stageAt: number, pairs: Pair[], next: string): Promise<void> {
  await advanceTo(env, stageAt + 1_000);
  for (const { handle } of pairs) await waitForStatus(handle, (s) => s.stage === next, 60_000);
}

/** Drives both pairs through their first cycle; answers go in through the links in the emails. */
async function runWholeCycle(): Promise<void> {
  stack.smtp.rejectRecipients.add(REFUSED_REPORT);
  const { answering, refused, stageAt } = await createPairs();
  const { pairId } = answering;
  const pairs = [answering, refused];

  stack.smtp.deferNext(1);
  await reachStage(stageAt('reflection'), pairs, 'reminder');
  const reflection = await emailOf(pairId, 'reflection', 'report');
  await answer(await emailOf(pairId, 'managerPrep', 'manager'), { 'q.topics': 'Hiring plan' });
  expect((await web.post(linkIn(reflection, 'topic'), { text: 'Career plans' })).status).toBe(200);
  expect((await web.post(`${linkIn(reflection, 'form')}/suggestion`, { suggestion: 'Ask about on-call' })).status).toBe(200);

  // The reflection is still unanswered, so its reminder goes out; the answer comes through its link.
  await reachStage(stageAt('reminder'), pairs, 'agenda');
  await answer(await emailOf(pairId, 'reminder-reflection', 'report'), { 'q.topics': 'Moving to the platform team', 'q.energy': '4' });

  await reachStage(stageAt('agenda'), pairs, 'meeting');
  await emailOf(pairId, 'agenda', 'report');
  await emailOf(pairId, 'agenda', 'manager');

  await advanceTo(env, stageAt('followUp') + 1_000);
  await answer(await emailOf(pairId, 'followUpManager', 'manager'), { 'q.held': 'yes', 'ai.text.0': 'Ship the importer' });
  await answer(await emailOf(pairId, 'followUpReport', 'report'), { 'q.held': 'yes', 'q.notes': 'Good talk' });
  await answer(await emailOf(pairId, 'feedback', 'report'), { 'q.usefulness': '5', 'q.keep': 'The agenda', feedbackSharing: 'named' });
  for (const { handle } of pairs) await waitForStatus(handle, () => true, 60_000);
}

/** Every token of every link in every email the relay accepted. */
function receivedTokens(): string[] {
  const links = stack.smtp.messages.flatMap((m) => [...linksIn(m.text, PUBLIC_BASE_URL), ...linksIn(m.html, PUBLIC_BASE_URL)]);
  return [...new Set(links.map(tokenOf))];
}

interface StoredCell {
  /** "Table.column" */
  column: string;
  value: string;
}

/** Every value of every column of every table, read as text; the tables and columns come from SQLite itself. */
async function everyStoredValue(): Promise<StoredCell[]> {
  const tables = await stack.db.$queryRawUnsafe<{ name: string }[]>(`SELECT name FROM sqlite_master WHERE type = 'table'`);
  const cells: StoredCell[] = [];
  for (const { name: table } of tables) {
    const columns = await stack.db.$queryRawUnsafe<{ name: string }[]>(`SELECT name FROM pragma_table_info('${table}')`);
    const asText = columns.map(({ name }) => `CAST("${name}" AS TEXT) AS "${name}"`).join(', ');
    const rows = await stack.db.$queryRawUnsafe<Record<string, string | null>[]>(`SELECT ${asText} FROM "${table}"`);
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) if (value !== null) cells.push({ column: `${table}.${column}`, value });
    }
  }
  return cells;
}

it('keeps no token of any email, and no live link, in any column of any table after a whole cycle', async () => {
  await runWholeCycle();
  const tokens = receivedTokens();
  // Two emails per pair at each of reflection, agenda and follow-up, the reminder and feedback, less the refused ones.
  expect(tokens.length).toBeGreaterThanOrEqual(14);

  const cells = await everyStoredValue();
  const columns = new Set(cells.map((cell) => cell.column));
  expect([...columns]).toEqual(
    expect.arrayContaining([
      'OutboxEmail.html',
      'OutboxEmail.text',
      'OutboxEmail.lastError',
      'FormLink.tokenHash',
      'PairLink.tokenHash',
      'Answer.payload',
      'Topic.text',
    ]),
  );
  const leaks = cells.flatMap(({ column, value }) => {
    const token = tokens.find((t) => value.includes(t));
    if (token) return [`${column} holds the token ${token.slice(0, 6)}…`];
    return LIVE_LINK.test(value) ? [`${column} holds a live link: ${LIVE_LINK.exec(value)?.[0].slice(0, 13)}…`] : [];
  });
  expect(leaks).toEqual([]);

  // The outbox still records what was sent, each link with its token blanked.
  const outbox = await stack.db.outboxEmail.findMany({ orderBy: { id: 'asc' } });
  expect(outbox.filter((row) => row.status === 'pending')).toEqual([]);
  const refusedRows = outbox.filter((row) => row.toAddress === REFUSED_REPORT);
  expect(refusedRows.map((row) => `${row.stage} ${row.status}`).sort()).toEqual(
    ['agenda', 'feedback', 'followUpReport', 'reflection', 'reminder-reflection'].map((stage) => `${stage} failed`),
  );
  expect(outbox.some((row) => row.status === 'sent' && /451/.test(row.lastError ?? ''))).toBe(true);
  const reflection = outbox.find((row) => row.stage === 'reflection' && row.status === 'sent')!;
  expect(reflection.text).toContain(`${PUBLIC_BASE_URL}/forms/${REMOVED_TOKEN}`);
  expect(reflection.html).toContain(`href="${PUBLIC_BASE_URL}/pairs/${REMOVED_TOKEN}/topic"`);
  expect(reflection.text).toContain('What do you want to talk about?');
});
