// How fast the admin's pair list and the organisation overview draw at 1,000 and 10,000 pairs, with
// the worker running: p50/p95 over repeated requests to a running web service, and whether drawing
// them touched the worker (its workflow-task polls and sticky cache, from its Prometheus metrics).
//
// The pairs are seeded as rows straight into the database, each as its workflow would have written
// it (Pair.state JSON and the columns written with it, a few weeks of cycles, forms and answers, some
// undelivered emails): 10,000 pairs need no 10,000 workflows, since the list and the overview read
// only the database (and one visibility list for stopped pairs).
//
// Standalone: `npx tsx bench/admin-list.ts [PAIRS...]` (default 1000 10000; needs `npm run build`)
// starts the benchmark's stack (bench-stack.ts) and a web service with the admin on beside it.
import { randomUUID } from 'node:crypto';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RapportPrisma } from '../prisma/database';
import type { Prisma } from '../generated/sqlite/client';
import { settingsColumns } from '../pairs/pair-rows';
import { pairSearchText } from '../pairs/pair-list';
import { withDefaults } from '../pairs/registration';
import { stateColumns } from '../activities/pair-state-writes';
import type { PairStatus, Stage, Weekday } from '../workflows/pair-types';
import { freePort } from '../harness/free-port';
import { startEntry, waitForHttp } from '../harness/rapport-process';
import { startBenchStack } from './bench-stack';

const DAY_MS = 24 * 60 * 60 * 1000;
const WEEK_MS = 7 * DAY_MS;
const ZONES = ['Europe/Berlin', 'Europe/Lisbon', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney'];
const FIRST_NAMES = ['Maya', 'Zoë', 'Ravi', 'Ana', 'Kim', 'Lars', 'Noor', 'Tomás', 'Yuki', 'Olu', 'Ines', 'Bea'];
const CHUNK = 500;

export interface SeedOptions {
  /** How many pairs to add. */
  count: number;
  /** Weeks of closed meetings each pair has behind it (4 unless given). */
  weeksOfHistory?: number;
  now?: number;
  /** Prefix of the people's addresses, so that seeding twice into one database adds other people. */
  tag?: string;
}

/** The kinds of pair the seed makes, by index, so that every filter and overview section has some. */
export function seededKind(index: number): { paused: boolean; chronic: boolean; undelivered: boolean; unconfirmed: boolean; ended: boolean } {
  return {
    paused: index % 10 === 3,
    chronic: index % 13 === 5,
    undelivered: index % 17 === 7,
    unconfirmed: index % 7 === 2,
    ended: index % 50 === 49,
  };
}

function statusOf(pairId: string, index: number, now: number, weeks: number): PairStatus {
  const kind = seededKind(index);
  const settings = withDefaults({
    cadence: { kind: 'weekly', everyWeeks: 1, weekday: (1 + (index % 5)) as Weekday },
    meetingTime: `${String(9 + (index % 8)).padStart(2, '0')}:00`,
    timeZone: ZONES[index % ZONES.length],
  });
  const meetingAt = now + ((index % 7) + 1) * DAY_MS;
  const stages: Stage[] = ['reflection', 'reminder', 'agenda', 'meeting', 'followUp'];
  const offsets = [-48, -24, -2, 0, 1].map((hours) => meetingAt + hours * 60 * 60 * 1000);
  const nextEvents = stages.map((stage, i) => ({ stage, at: new Date(offsets[i]).toISOString() })).filter((event) => Date.parse(event.at) > now);
  return {
    pairId,
    state: kind.ended ? 'ended' : kind.paused ? 'paused' : 'active',
    stage: kind.ended ? 'ended' : 'reflection',
    cycle: weeks + 1,
    meetingAt: new Date(meetingAt).toISOString(),
    nextEvents: kind.ended || kind.paused ? [] : nextEvents,
    openActionItems: [{ id: `${pairId}:ai:1`, cycle: weeks, owner: 'report' }],
    pendingTopics: [],
    consecutiveSkips: kind.chronic ? 3 : index % 3 === 0 ? 1 : 0,
    questionSetVersion: 1,
    settings,
    upcomingMeeting: weeks + 1,
  };
}

async function inChunks<T>(rows: T[], write: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < rows.length; start += CHUNK) await write(rows.slice(start, start + CHUNK));
}

const FORMS = [
  { kind: 'reflection', recipientRole: 'report' },
  { kind: 'managerPrep', recipientRole: 'manager' },
  { kind: 'followUpReport', recipientRole: 'report' },
  { kind: 'followUpManager', recipientRole: 'manager' },
] as const;

/**
 * Adds `count` pairs with a few weeks of history each, as the workflow and the web service would have
 * stored them. Returns their ids in index order.
 */
export async function seedPairs(
  db: RapportPrisma,
  { count, weeksOfHistory = 4, now = Date.now(), tag = randomUUID().slice(0, 8) }: SeedOptions,
): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  const pairs = ids.map((id, index) => {
    const status = statusOf(id, index, now, weeksOfHistory);
    const managerIndex = Math.floor(index / 5); // five reports per manager
    const managerName = `${FIRST_NAMES[managerIndex % FIRST_NAMES.length]} Manager ${managerIndex}`;
    const managerEmail = `manager-${managerIndex}.${tag}@example.com`;
    const reportName = `${FIRST_NAMES[(index + 3) % FIRST_NAMES.length]} Report ${index}`;
    const reportEmail = `report-${index}.${tag}@example.com`;
    const kind = seededKind(index);
    return {
      id,
      managerName,
      managerEmail,
      reportName,
      reportEmail,
      searchText: pairSearchText({ managerName, managerEmail, reportName, reportEmail }),
      ...settingsColumns(status.settings),
      status: kind.ended ? 'ended' : 'active',
      endedAt: kind.ended ? new Date(now - DAY_MS) : null,
      createdAt: new Date(now - (weeksOfHistory + 2) * WEEK_MS + index),
      state: JSON.stringify(status),
      stateRevision: 10,
      stateUpdatedAt: new Date(now - DAY_MS),
      ...stateColumns(status),
    };
  });
  await inChunks(pairs, (chunk) => db.pair.createMany({ data: chunk }));

  const cycles: Prisma.CycleCreateManyInput[] = [];
  const forms: Prisma.FormCreateManyInput[] = [];
  const answers: Prisma.AnswerCreateManyInput[] = [];
  ids.forEach((pairId, index) => {
    const kind = seededKind(index);
    for (let number = 1; number <= weeksOfHistory; number += 1) {
      const meetingAt = new Date(now - (weeksOfHistory - number + 1) * WEEK_MS);
      const skipped = kind.chronic && number > weeksOfHistory - 3;
      cycles.push({
        id: `${pairId}:${number}`,
        pairId,
        number,
        meetingAt,
        status: skipped ? 'skipped' : 'held',
        closedAt: new Date(meetingAt.getTime() + DAY_MS),
      });
      if (skipped) continue;
      for (const form of FORMS) {
        const formId = `${pairId}:${number}:${form.kind}`;
        const sentAt = new Date(meetingAt.getTime() - (form.kind.startsWith('followUp') ? -60 * 60 * 1000 : 2 * DAY_MS));
        forms.push({
          id: formId,
          pairId,
          cycleNumber: number,
          kind: form.kind,
          recipientRole: form.recipientRole,
          questionSetId: 'org:1',
          questionSetVersion: 1,
          sentAt,
          closedAt: new Date(sentAt.getTime() + 2 * DAY_MS),
        });
        // Most forms are answered; a confirmed meeting is a follow-up answer saying it took place.
        if ((index + number + form.kind.length) % 5 === 0) continue;
        const followUp = form.kind.startsWith('followUp');
        if (followUp && kind.unconfirmed) continue;
        const payload = {
          answers: { mood: 4, notes: 'Talked about the roadmap.' },
          ...(followUp ? { meetingHeld: true } : {}),
          actionItems: [],
          completedActionItemIds: [],
          privateQuestionIds: [],
        };
        answers.push({
          id: randomUUID(),
          formId,
          pairId,
          cycleNumber: number,
          kind: form.kind,
          respondentRole: form.recipientRole,
          payload: JSON.stringify(payload),
          submittedAt: new Date(sentAt.getTime() + DAY_MS),
        });
      }
    }
  });
  await inChunks(cycles, (chunk) => db.cycle.createMany({ data: chunk }));
  await inChunks(forms, (chunk) => db.form.createMany({ data: chunk }));
  await inChunks(answers, (chunk) => db.answer.createMany({ data: chunk }));

  const failed = ids.flatMap((pairId, index) =>
    seededKind(index).undelivered
      ? [
          {
            id: `${pairId}:${weeksOfHistory}:reflection:report`,
            pairId,
            cycleNumber: weeksOfHistory,
            stage: 'reflection',
            recipientRole: 'report',
            toAddress: `report-${index}.${tag}@example.com`,
            messageId: `<${randomUUID()}@rapport.bench>`,
            subject: 'Your reflection before your 1:1',
            html: '<p>…</p>',
            text: '…',
            status: 'failed',
            attempts: 1,
            lastError: '550 5.1.1 mailbox unavailable',
          },
        ]
      : [],
  );
  await inChunks(failed, (chunk) => db.outboxEmail.createMany({ data: chunk }));
  return ids;
}

// ---- Measuring ------------------------------------------------------------------------------------

export interface Percentiles {
  p50: number;
  p95: number;
  max: number;
}

export interface AdminListFigures {
  pairs: number;
  requests: number;
  /** Milliseconds per request, over `requests` requests after a few to warm up. */
  firstPage: Percentiles;
  filteredSearch: Percentiles;
  apiPage: Percentiles;
  overview: Percentiles;
  /** The overview's first drawing, in milliseconds, before its meetings-and-forms part is cached (30 s). */
  overviewUncached: number;
  /** What the worker did while the list and overview were drawn (null without its metrics). */
  worker: { workflowTasksPolled: number; stickyCacheHits: number; stickyCacheMisses: number } | null;
}

export interface AdminListTarget {
  /** The web service, e.g. http://127.0.0.1:8080. */
  webUrl: string;
  /** A signed-in admin session's cookie ("rapport_admin=…"), e.g. from signIn(). */
  cookie: string;
  /** How many pairs the database holds (reported, not checked). */
  pairs: number;
  /** The worker's Prometheus endpoint, to show that drawing the list did not touch it. */
  metricsUrl?: string;
  requests?: number;
  /** What the filtered search looks for. */
  search?: string;
}

const percentile = (sorted: number[], share: number) => sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)];

async function timed(url: string, cookie: string, requests: number): Promise<Percentiles> {
  const once = async () => {
    const started = performance.now();
    const response = await fetch(url, { headers: { cookie } });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
    return performance.now() - started;
  };
  for (let i = 0; i < 3; i += 1) await once();
  const times: number[] = [];
  for (let i = 0; i < requests; i += 1) times.push(await once());
  times.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return { p50: round(percentile(times, 0.5)), p95: round(percentile(times, 0.95)), max: round(times[times.length - 1]) };
}

/** The sum of every series of the metrics whose names start with one of these. */
async function workerCounters(metricsUrl: string | undefined): Promise<Record<'polled' | 'hits' | 'misses', number> | null> {
  if (!metricsUrl) return null;
  const text = await (await fetch(metricsUrl)).text().catch(() => '');
  const sum = (prefix: string) =>
    text
      .split('\n')
      .filter((line) => line.startsWith(prefix))
      .reduce((total, line) => total + (Number(line.split(' ').pop()) || 0), 0);
  return { polled: sum('temporal_workflow_task_queue_poll_succeed'), hits: sum('temporal_sticky_cache_hit'), misses: sum('temporal_sticky_cache_miss') };
}

/** Signs in to the admin, answering the session cookie. */
export async function signIn(webUrl: string, user: string, password: string): Promise<string> {
  const response = await fetch(`${webUrl}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: new URL(webUrl).origin, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user, password }),
  });
  if (response.status !== 303) throw new Error(`admin sign-in answered ${response.status}`);
  return (response.headers.get('set-cookie') ?? '').split(';')[0];
}

/** p50/p95 of the list's first page, a filtered search, the API's page and the overview. */
export async function measureAdminList({ webUrl, cookie, pairs, metricsUrl, requests = 50, search = 'report 1' }: AdminListTarget): Promise<AdminListFigures> {
  const before = await workerCounters(metricsUrl);
  const q = encodeURIComponent(search);
  const firstPage = await timed(`${webUrl}/admin`, cookie, requests);
  const filteredSearch = await timed(`${webUrl}/admin?q=${q}&filter=chronic-skips&sort=next`, cookie, requests);
  const apiPage = await timed(`${webUrl}/admin/api/pairs?page=2&sort=skips`, cookie, requests);
  const started = performance.now();
  await (await fetch(`${webUrl}/admin/overview?weeks=5`, { headers: { cookie } })).arrayBuffer();
  const overviewUncached = Math.round(performance.now() - started);
  const overview = await timed(`${webUrl}/admin/overview?weeks=4`, cookie, requests);
  const after = await workerCounters(metricsUrl);
  const worker =
    before && after
      ? { workflowTasksPolled: after.polled - before.polled, stickyCacheHits: after.hits - before.hits, stickyCacheMisses: after.misses - before.misses }
      : null;
  return { pairs, requests, firstPage, filteredSearch, apiPage, overview, overviewUncached, worker };
}

// ---- Standalone ----------------------------------------------------------------------------------

const ADMIN = { user: 'admin', password: 'benchmark admin password' };

/** Starts the benchmark stack, seeds `count` pairs, starts an admin web service beside it and measures. */
export async function runAdminListBenchmark(count: number, requests = 50): Promise<AdminListFigures> {
  const stack = await startBenchStack('sqlite');
  const port = await freePort();
  const webUrl = `http://127.0.0.1:${port}`;
  const web = startEntry('server/main.ts', {
    ...stack.env,
    PUBLIC_BASE_URL: webUrl,
    WEB_PORT: String(port),
    RATE_LIMIT_PER_MINUTE: '100000',
    ADMIN_USER: ADMIN.user,
    ADMIN_PASSWORD: ADMIN.password,
    SESSION_SECRET: 'benchmark-session-secret-0123456789',
  });
  try {
    await waitForHttp(`${webUrl}/readyz`, web);
    await seedPairs(stack.database.prisma, { count });
    const cookie = await signIn(webUrl, ADMIN.user, ADMIN.password);
    const metricsUrl = (stack as { metricsUrl?: string }).metricsUrl;
    return await measureAdminList({ webUrl, cookie, pairs: count, metricsUrl, requests });
  } finally {
    await web.stop('SIGTERM');
    await stack.stop();
  }
}

async function main(): Promise<void> {
  const counts = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  const results: AdminListFigures[] = [];
  for (const count of counts.length > 0 ? counts : [1000, 10000]) {
    const figures = await runAdminListBenchmark(count);
    results.push(figures);
    console.log(JSON.stringify(figures));
  }
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest-admin-list.json'), `${JSON.stringify({ at: new Date().toISOString(), results }, null, 2)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
