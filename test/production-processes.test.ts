// The worker and the web service as separate processes, configured only by environment variables,
// against a Temporal dev server persisting to a file (or, with RAPPORT_TEMPORAL=cluster, a real
// Temporal cluster on PostgreSQL, built by tools/provision.sh cluster), PostgreSQL and a real SMTP server. A demo
// pair runs a whole cycle in about four minutes of real time; the worker is stopped with SIGTERM
// after the first emails, a form is answered while it is down, and after a restart the cycle
// completes with every email sent exactly once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { messageIdFor, outboxKey } from '../activities/outbox';
import type { Role } from '../workflows/pair-types';
import { startDevServer, type DevServer } from '../local/local-stack';
import { freePort } from '../harness/free-port';
import { startPostgres, type TestPostgres } from '../harness/postgres';
import { startTemporalCluster, type TemporalCluster } from '../harness/temporal-cluster';
import { temporalUnderTest } from '../harness/temporal-under-test';
import { PREBUILT_BUNDLE, startEntry, startWorkerEntry, waitForHttp, type RapportProcess } from '../harness/rapport-process';
import { startSmtpSink, type ReceivedEmail, type SmtpSink } from '../harness/smtp-sink';
import { linksIn } from './support/web-client';

jest.setTimeout(10 * 60_000);

const ADMIN = { user: 'ops', password: 'correct horse battery staple' };
let dir: string;
const TEMPORAL = temporalUnderTest();
let devServer: DevServer | undefined;
let cluster: TemporalCluster | undefined;
let temporalAddress: string;
let postgres: TestPostgres;
let smtp: SmtpSink;
let web: RapportProcess | undefined;
const workers: RapportProcess[] = [];
let env: Record<string, string>;
let webUrl: string;
let workerPorts: { metrics: number; health: number };
let secondWorkerPorts: { metrics: number; health: number };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rapport-processes-'));
  const [temporalPort, uiPort, webPort, metrics, health, metrics2, health2] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  secondWorkerPorts = { metrics: metrics2, health: health2 };
  if (TEMPORAL === 'cluster') {
    // Rapport's database lives beside the cluster's, in the same PostgreSQL, as it may in production.
    [cluster, smtp] = await Promise.all([startTemporalCluster(), startSmtpSink()]);
    postgres = cluster.postgres;
    temporalAddress = cluster.address;
  } else {
    [devServer, postgres, smtp] = await Promise.all([startDevServer(dir, temporalPort, uiPort), startPostgres(), startSmtpSink()]);
    temporalAddress = devServer.address;
  }
  webUrl = `http://127.0.0.1:${webPort}`;
  workerPorts = { metrics, health };
  env = {
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: 'rapport-processes',
    DATABASE_URL: postgres.url,
    SMTP_URL: smtp.url,
    MAIL_FROM: 'Rapport <rapport@example.com>',
    // Calendar invites are emails too; this run counts the cycle's own (calendar-invites.test.ts covers them).
    CALENDAR_INVITES: 'off',
    PUBLIC_BASE_URL: webUrl,
    // The prebuilt bundle of the production build, which npm test makes first.
    WORKFLOW_BUNDLE_PATH: PREBUILT_BUNDLE,
    LOG_FORMAT: 'json',
  };
});

afterAll(async () => {
  await Promise.all([...workers, ...(web ? [web] : [])].map((process) => process.stop('SIGKILL')));
  await Promise.all([devServer?.stop(), cluster ? cluster.stop() : postgres?.stop(), smtp?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

function startWorker(ports = workerPorts): RapportProcess {
  const worker = startWorkerEntry({
    ...env,
    MIGRATE_ON_START: 'true',
    METRICS_HOST: '127.0.0.1',
    METRICS_PORT: String(ports.metrics),
    HEALTH_PORT: String(ports.health),
    WORKER_SHUTDOWN_GRACE_SECONDS: '5',
  });
  workers.push(worker);
  return worker;
}

const idOf = (pairId: string, stage: string, role: Role) => messageIdFor(outboxKey({ pairId, cycle: 1, stage, role }), 'example.com');
const withId = (id: string) => (email: ReceivedEmail) => email.messageId === id;

/** A worker's metrics once they match pattern, or as they are after timeoutMs. */
async function metricsShowing(metricsPort: number, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    if (pattern.test(text) || Date.now() > deadline) return text;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The total of rapport_emails_total{outcome="sent"} a worker exports. */
async function emailsSent(metricsPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  return [...text.matchAll(/^rapport_emails_total\{[^}]*outcome="sent"[^}]*\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

async function describeActivityQueue() {
  const connection = await Connection.connect({ address: temporalAddress });
  try {
    // TASK_QUEUE_TYPE_ACTIVITY
    return await connection.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: env.TEMPORAL_TASK_QUEUE }, taskQueueType: 2 });
  } finally {
    await connection.close();
  }
}

async function signIn(): Promise<string> {
  const response = await fetch(`${webUrl}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: webUrl, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(ADMIN),
  });
  expect(response.status).toBe(303);
  return (response.headers.get('set-cookie') ?? '').split(';')[0];
}

it(`runs a pair across separate worker and web processes; a SIGTERM mid-cycle loses and repeats nothing (Temporal: ${TEMPORAL === 'cluster' ? 'a cluster' : 'the dev server'})`, async () => {
  let worker = startWorker();
  await waitForHttp(`http://127.0.0.1:${workerPorts.health}/readyz`, worker);
  web = startEntry('server/main.ts', {
    ...env,
    WEB_PORT: new URL(webUrl).port,
    ADMIN_USER: ADMIN.user,
    ADMIN_PASSWORD: ADMIN.password,
    SESSION_SECRET: 'a-session-secret-of-at-least-32-characters',
    ANSWER_REDELIVERY_SECONDS: '2',
  });
  await waitForHttp(`${webUrl}/readyz`, web);

  // A demo pair: reflection within a minute, reminder a minute later, agenda and meeting a minute
  // after that, follow-up and feedback a minute after the meeting.
  const cookie = await signIn();
  const created = await fetch(`${webUrl}/admin/api/pairs`, {
    method: 'POST',
    headers: { origin: webUrl, cookie, 'content-type': 'application/json' },
    body: JSON.stringify({
      manager: { name: 'Maya Manager', email: 'maya@example.com' },
      report: { name: 'Ravi Report', email: 'ravi@example.com' },
      settings: {
        cadence: { kind: 'demo', everyMinutes: 4 },
        meetingTime: '00:00',
        timeZone: 'UTC',
        durationMinutes: 1,
        offsets: { reflectionBefore: 2, reminderBefore: 1, agendaBefore: 0, followUpAfter: 1 },
        feedbackEveryCycles: 1,
      },
    }),
  });
  expect(created.status).toBe(201);
  const { pairId } = (await created.json()) as { pairId: string };

  const [reflection] = await smtp.waitFor(withId(idOf(pairId, 'reflection', 'report')), 1, 120_000);
  await smtp.waitFor(withId(idOf(pairId, 'managerPrep', 'manager')), 1, 30_000);
  // The worker counts an email once the outbox has marked it sent, a moment after the SMTP server
  // accepted it, so the metrics are read until they show it (or for ten seconds).
  const metrics = await metricsShowing(workerPorts.metrics, /^rapport_emails_total\{[^}]*outcome="sent"[^}]*stage="reflection"[^}]*\} 1$/m);
  expect(metrics).toMatch(/^rapport_emails_total\{[^}]*outcome="sent"[^}]*stage="reflection"[^}]*\} 1$/m);
  expect(metrics).toMatch(/^temporal_worker_task_slots_available/m);

  // Mid-cycle: the worker stops on SIGTERM, cleanly, and its health check goes with it.
  expect(await worker.stop('SIGTERM')).toBe(0);
  expect(worker.output()).toContain('rapport worker stopped');
  // Started as `npm run worker` starts it, with the heap limit: no warning about it.
  expect(worker.output()).not.toMatch(/heap limit/);
  await expect(fetch(`http://127.0.0.1:${workerPorts.health}/healthz`)).rejects.toThrow();

  // The report answers while no worker runs: the answer is saved at once and delivered later.
  const formLink = linksIn(reflection.text, webUrl).find((link) => link.includes('/forms/'));
  expect(formLink).toBeDefined();
  const saved = await fetch(formLink as string, {
    method: 'POST',
    headers: { origin: webUrl, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ 'q.topics': 'Moving to the platform team', 'q.energy': '4' }),
  });
  // 202: stored, and handed to the pair's workflow as soon as a worker runs again.
  expect(saved.status).toBe(202);
  expect(await saved.text()).toMatch(/saved/i);

  // Two workers on the task queue from now on: they share the work, and still nothing is sent twice.
  worker = startWorker();
  const second = startWorker(secondWorkerPorts);
  await waitForHttp(`http://127.0.0.1:${workerPorts.health}/readyz`, worker);
  await waitForHttp(`http://127.0.0.1:${secondWorkerPorts.health}/readyz`, second);
  const { pollers } = await describeActivityQueue();
  expect(new Set(pollers?.map((poller) => poller.identity)).size).toBeGreaterThanOrEqual(2);
  await smtp.waitFor(withId(idOf(pairId, 'feedback', 'report')), 1, 240_000);

  const expected = [
    idOf(pairId, 'reflection', 'report'),
    idOf(pairId, 'managerPrep', 'manager'),
    // The report answered before the reminder, so only the manager is reminded.
    idOf(pairId, 'reminder-managerPrep', 'manager'),
    idOf(pairId, 'agenda', 'report'),
    idOf(pairId, 'agenda', 'manager'),
    idOf(pairId, 'followUpReport', 'report'),
    idOf(pairId, 'followUpManager', 'manager'),
    idOf(pairId, 'feedback', 'report'),
  ];
  await smtp.waitFor((email) => expected.includes(email.messageId), expected.length, 60_000);
  const ids = smtp.messages.map((email) => email.messageId);
  expect([...ids].sort()).toEqual([...expected].sort());

  const [agenda] = smtp.messages.filter(withId(idOf(pairId, 'agenda', 'manager')));
  expect(agenda.text).toContain('Moving to the platform team');

  // Counted from the database when a worker starts (and every 30 s): the restarted workers saw the pair.
  expect(await (await fetch(`http://127.0.0.1:${workerPorts.metrics}/metrics`)).text()).toMatch(/^rapport_pairs_active 1$/m);
  // The six emails after the restart were sent by the two workers together, each once.
  // (Counted just after each acceptance, so read until the last one is counted, or for ten seconds.)
  const sentByBoth = async () => (await Promise.all([workerPorts, secondWorkerPorts].map((ports) => emailsSent(ports.metrics)))).reduce((a, b) => a + b, 0);
  let sentAfterRestart = await sentByBoth();
  for (const deadline = Date.now() + 10_000; sentAfterRestart < 6 && Date.now() < deadline; sentAfterRestart = await sentByBoth()) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect(sentAfterRestart).toBe(6);

  // Every line the workers logged is one JSON object.
  for (const line of [worker, second].flatMap((w) => w.output().trim().split('\n'))) expect(() => JSON.parse(line)).not.toThrow();
  expect(await worker.stop('SIGTERM')).toBe(0);
  expect(await second.stop('SIGTERM')).toBe(0);
  expect(await web.stop('SIGTERM')).toBe(0);
});
