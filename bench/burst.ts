// 1. The burst: N pairs whose reflection stage falls due in the same minute, measured from that
// instant until the SMTP server has accepted every reflection and prep email; and the baseline:
// the same emails rendered from the same templates and sent straight through nodemailer's pooled
// transport to the same SMTP server, with no Temporal and no database.
import { randomUUID } from 'node:crypto';
import { createMailer } from '../activities/mailer';
import { messageIdFor, outboxKey } from '../activities/outbox';
import { formatLocal } from '../pairs/local-time';
import { pairHandle, registerPair, startPairWorkflow, type NewPair } from '../pairs/registration';
import { DEFAULT_QUESTION_SET } from '../question-sets/default-question-set';
import { loadEmailTemplates } from '../templates/email-templates';
import type { Weekday } from '../workflows/pair-types';
import { inLanes } from '../harness/in-lanes';
import type { BenchStack } from './bench-stack';

const REPORTS_PER_MANAGER = 6;
const CREATE_CONCURRENCY = 16;
const MINUTE = 60_000;
/** How long before the due minute the stack's measurement starts: the stack is idle then. */
const BEFORE_DUE_MS = 500;

export interface BurstResult {
  pairs: number;
  pairIds: string[];
  dueAt: number;
  emails: number;
  seconds: number;
  duplicates: number;
  lost: number;
  createSeconds: number;
}

export interface BaselineResult {
  emails: number;
  seconds: number;
}

/** A pair meeting weekly, 60 minutes after `dueAt`, so its reflection falls due at `dueAt`. */
function benchPair(index: number, dueAt: number, run: string): NewPair {
  const meeting = new Date(dueAt + 60 * MINUTE);
  const manager = Math.floor(index / REPORTS_PER_MANAGER);
  return {
    manager: { name: `Manager ${manager}`, email: `manager-${manager}.${run}@bench.example.com` },
    report: { name: `Report ${index}`, email: `report-${index}.${run}@bench.example.com` },
    settings: {
      cadence: { kind: 'weekly', everyWeeks: 1, weekday: (meeting.getUTCDay() === 0 ? 7 : meeting.getUTCDay()) as Weekday },
      meetingTime: meeting.toISOString().slice(11, 16),
      timeZone: 'UTC',
      durationMinutes: 30,
      offsets: { reflectionBefore: 60, reminderBefore: 30, agendaBefore: 10, followUpAfter: 60 },
      // Every day a working day, so that a burst run on a weekend is not moved to Friday.
      workingDays: [1, 2, 3, 4, 5, 6, 7],
    },
  };
}

/**
 * The whole minute by which N pairs can surely be created and their first cycle planned: the
 * worker plans each new pair's first cycle after it starts, and at 10,000 pairs it falls minutes
 * behind the creation (about 45 ms each here, plus a margin).
 */
export function burstInstant(pairs: number, now = Date.now()): number {
  const ready = now + 60_000 + pairs * 45;
  return Math.ceil(ready / MINUTE) * MINUTE;
}

/**
 * Creates the pairs, waits for their first cycles to be planned, calls `beforeDue` just before the
 * due minute (to start measuring the stack), and times the burst until every email has arrived.
 */
export async function runBurst(
  stack: BenchStack,
  pairs: number,
  log: (line: string) => void,
  beforeDue: () => Promise<void> | void = () => {},
): Promise<BurstResult> {
  const dueAt = burstInstant(pairs);
  const run = randomUUID().slice(0, 8);
  const pairIds = new Array<string>(pairs);
  const started = Date.now();
  log(`creating ${pairs} pairs; reflection due at ${new Date(dueAt).toISOString()}`);
  await inLanes(
    Array.from({ length: pairs }, (_, index) => index),
    CREATE_CONCURRENCY,
    async (index) => {
      const registered = await registerPair(stack.database.prisma, benchPair(index, dueAt, run));
      await startPairWorkflow(stack.client, stack.env.TEMPORAL_TASK_QUEUE, registered.pairId, registered.settings, registered.managerKey);
      pairIds[index] = registered.pairId;
    },
  );
  const createSeconds = (Date.now() - started) / 1000;
  log(`created in ${createSeconds.toFixed(1)} s`);
  if (Date.now() > dueAt - 5_000) throw new Error('creating the pairs took longer than planned; the burst instant has passed: run again');
  await waitForPlanning(stack, pairIds, dueAt);
  log(`all ${pairs} first cycles planned ${((dueAt - Date.now()) / 1000).toFixed(0)} s before the due minute`);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueAt - BEFORE_DUE_MS - Date.now())));
  await beforeDue();

  const expected = new Set(pairIds.flatMap((pairId) => [key(pairId, 'reflection', 'report'), key(pairId, 'managerPrep', 'manager')]));
  const timeout = Math.max(10 * MINUTE, pairs * 200);
  const arrived = await stack.smtp.waitFor((message) => expected.has(message.messageId), expected.size, dueAt - Date.now() + timeout);
  const ids = arrived.map((message) => message.messageId);
  const distinct = new Set(ids);
  const last = Math.max(...arrived.map((message) => message.at));
  return {
    pairs,
    pairIds,
    dueAt,
    emails: expected.size,
    seconds: (last - dueAt) / 1000,
    duplicates: ids.length - distinct.size,
    lost: expected.size - distinct.size,
    createSeconds,
  };
}

/** A pair's workflow has planned its first cycle once its history holds the timer (6 events). */
const PLANNED_HISTORY_LENGTH = 6;

/** Waits until every pair's first cycle is planned; a pair planned after its due minute would meet a week later. */
async function waitForPlanning(stack: BenchStack, pairIds: string[], dueAt: number): Promise<void> {
  let late = 0;
  await inLanes(pairIds, CREATE_CONCURRENCY, async (pairId) => {
    for (;;) {
      const { raw } = await pairHandle(stack.client, pairId).describe();
      if (Number(raw.workflowExecutionInfo?.historyLength ?? 0) >= PLANNED_HISTORY_LENGTH) return;
      if (Date.now() > dueAt - 2_000) {
        late += 1;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  });
  if (late > 0)
    throw new Error(
      `the worker had not planned ${late} of ${pairIds.length} pairs by the due minute; they would meet a week later: run again with fewer pairs or a faster machine`,
    );
}

const key = (pairId: string, stage: string, role: 'report' | 'manager') => messageIdFor(outboxKey({ pairId, cycle: 1, stage, role }), 'example.com');

/** The same 2N emails, rendered and sent with no Temporal and no database. */
export async function runBaseline(stack: BenchStack, pairs: number): Promise<BaselineResult> {
  const templates = loadEmailTemplates();
  const mailer = createMailer({ smtpUrl: stack.smtp.url, from: stack.env.MAIL_FROM });
  const meetingAt = Date.now() + 60 * MINUTE;
  const baseline = `baseline-${randomUUID().slice(0, 8)}`;
  const started = Date.now();
  const sends: Promise<void>[] = [];
  for (let index = 0; index < pairs; index += 1) {
    const common = {
      managerName: `Manager ${Math.floor(index / REPORTS_PER_MANAGER)}`,
      reportName: `Report ${index}`,
      meetingWhen: formatLocal(meetingAt, 'UTC'),
      agendaWhen: formatLocal(meetingAt - 10 * MINUTE, 'UTC'),
      durationMinutes: 30,
      formatNote: '',
      topicUrl: `${stack.webUrl}/pairs/${'t'.repeat(43)}/topic`,
      recordUrl: `${stack.webUrl}/pairs/${'t'.repeat(43)}/record`,
      meetingUrl: `${stack.webUrl}/pairs/${'t'.repeat(43)}/meeting`,
      formUrl: `${stack.webUrl}/forms/${'f'.repeat(43)}`,
      openActionItems: [],
    };
    const reflection = templates.render('reflection', { ...common, recipientName: common.reportName, questions: DEFAULT_QUESTION_SET.reflection });
    const prep = templates.render('manager-prep', { ...common, recipientName: common.managerName, questions: DEFAULT_QUESTION_SET.managerPrep });
    sends.push(mailer.send({ to: `report-${index}@baseline.example.com`, ...reflection, messageId: `<${baseline}-${index}-r@example.com>` }));
    sends.push(mailer.send({ to: `manager-${index}@baseline.example.com`, ...prep, messageId: `<${baseline}-${index}-m@example.com>` }));
  }
  await Promise.all(sends);
  mailer.close();
  const arrived = await stack.smtp.waitFor((message) => message.messageId.startsWith(`<${baseline}-`), pairs * 2, 10 * MINUTE);
  const last = Math.max(...arrived.map((message) => message.at));
  return { emails: pairs * 2, seconds: (last - started) / 1000 };
}
