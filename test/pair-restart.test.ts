// A pair whose workflow was stopped from Temporal's own tools (terminated here) without the pair
// ending in Rapport: the admin list, the pair's page, the API and the CLI show it stopped with
// Temporal's reason; a restart (API, page button, CLI) brings it back on the same meeting with its
// open action items, and the outbox sends no stage of that meeting a second time. Running and
// ended pairs are not restarted.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Browser } from 'playwright-core';
import { runCli } from '../cli/cli-commands';
import { createPairAdmin } from '../pairs/pair-admin';
import { ALREADY_RUNNING, HAS_ENDED } from '../pairs/pair-restart';
import { PUBLIC_BASE_URL, SAMPLE_PAIR, startRapportStack, type RapportStack } from '../harness/rapport-stack';
import { createTimeSkippingEnv } from '../harness/temporal-env';
import { accessibilityViolations } from './support/accessibility';
import { startAdminServer, type AdminServer } from './support/admin-server';
import { launchChromium, SCREENSHOTS } from './support/browser';
import { advanceTo, messageIdOf, sameMessageId, waitForStatus, type PairHandle } from './support/pair-driver';
import { linksIn } from './support/web-client';

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
async function newPair(): Promise<{ pairId: string; handle: PairHandle; managerEmail: string }> {
  people += 1;
  const managerEmail = `maya-restart${people}@example.com`;
  const { pairId, handle } = await stack.createPair({
    ...SAMPLE_PAIR,
    manager: { name: 'Maya Manager', email: managerEmail },
    report: { name: 'Ravi Report', email: `ravi-restart${people}@example.com` },
  });
  return { pairId, handle, managerEmail };
}

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const open = async () => ({ admin: createPairAdmin({ db: stack.db, temporal: env.client, taskQueue: stack.taskQueue }), close: async () => undefined });
  const code = await runCli(argv, { stdout: (text) => stdout.push(text), stderr: (text) => stderr.push(text) }, open);
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

const stageAt = (status: { nextEvents: { stage: string; at: string }[] }, stage: string) => Date.parse(status.nextEvents.find((e) => e.stage === stage)!.at);
const formLinkOf = (text: string) => linksIn(text, PUBLIC_BASE_URL).find((link) => link.includes('/forms/'))!;
/** A form answered from its link, as the page posts it. */
const answer = (link: string, fields: Record<string, string>) => admin.form(new URL(link).pathname, fields);
const emailOf = (pairId: string, cycle: number, stage: string, role: 'report' | 'manager') =>
  stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, cycle, stage, role))).then(([email]) => email);

/** How many times each of the pair's emails arrived, by Message-ID. */
function copiesByMessageId(pairId: string): Map<string, number> {
  const ours = new Set(
    ['reflection', 'managerPrep', 'reminder-reflection', 'reminder-managerPrep', 'agenda', 'followUpReport', 'followUpManager', 'feedback'].flatMap((stage) =>
      [1, 2, 3].flatMap((cycle) => (['report', 'manager'] as const).map((role) => messageIdOf(pairId, cycle, stage, role).replace(/[<>]/g, ''))),
    ),
  );
  const copies = new Map<string, number>();
  for (const message of stack.smtp.messages) {
    const id = message.messageId.replace(/[<>]/g, '');
    if (ours.has(id)) copies.set(id, (copies.get(id) ?? 0) + 1);
  }
  return copies;
}

/** A pair in its second meeting: the first held with one action item agreed, the second's forms sent. */
async function pairInSecondMeeting() {
  const pair = await newPair();
  const first = await waitForStatus(pair.handle, (s) => s.cycle === 1);
  await advanceTo(env, stageAt(first, 'followUp') + 1_000);
  const followUp = await emailOf(pair.pairId, 1, 'followUpManager', 'manager');
  const second = await waitForStatus(pair.handle, (s) => s.cycle === 2);
  const saved = await answer(formLinkOf(followUp.text), { 'q.held': 'yes', 'q.notes': '', 'ai.text.0': 'Write the RFC', 'ai.owner.0': 'report' });
  expect(saved.status).toBe(200);
  await waitForStatus(pair.handle, (s) => s.openActionItems.length === 1);
  await advanceTo(env, stageAt(second, 'reflection') + 1_000);
  const reflection = await emailOf(pair.pairId, 2, 'reflection', 'report');
  await emailOf(pair.pairId, 2, 'managerPrep', 'manager');
  await waitForStatus(pair.handle, (s) => s.cycle === 2 && s.stage === 'reminder');
  return { ...pair, second, reflectionLink: formLinkOf(reflection.text) };
}

it('shows a terminated pair stopped everywhere; a restart carries on with the same meeting, its action items and topics, sending nothing twice', async () => {
  const pair = await pairInSecondMeeting();
  const path = `/admin/api/pairs/${pair.pairId}`;
  await pair.handle.terminate('ops mistake');

  // The API's list and pair, with Temporal's status name, the reason and when.
  const listed = (await admin.api('GET', `/admin/api/pairs?manager=${pair.managerEmail}`)).json.pairs;
  expect(listed).toEqual([
    expect.objectContaining({ pairId: pair.pairId, state: 'stopped', stopped: { status: 'TERMINATED', reason: 'ops mistake', stoppedAt: expect.any(String) } }),
  ]);
  const shown = (await admin.api('GET', path)).json;
  expect(shown).toMatchObject({ status: { state: 'stopped', nextEvents: [] }, stopped: { status: 'TERMINATED', reason: 'ops mistake' } });
  expect(Date.parse(shown.stopped.stoppedAt)).toBeGreaterThan(stageAt(pair.second, 'reflection'));

  // The admin's list and pair page: the reason, and a restart button instead of the other actions.
  const listPage = await (await fetch(`${admin.base}/admin`, { headers: { cookie: admin.cookie } })).text();
  expect(listPage).toContain('<td>stopped <span class="hint">(TERMINATED: ops mistake, since ');
  const pairPage = await (await fetch(`${admin.base}/admin/pairs/${pair.pairId}`, { headers: { cookie: admin.cookie } })).text();
  expect(pairPage).toContain('State: <strong>stopped</strong>');
  expect(pairPage).toContain("This pair's workflow stopped in Temporal (TERMINATED: ops mistake) on ");
  expect(pairPage).toContain(`action="/admin/pairs/${pair.pairId}/actions/restart"`);
  expect(pairPage).not.toContain(`/actions/pause"`);

  // The command line.
  const list = await cli('pairs', 'list', '--manager', pair.managerEmail);
  expect(list.stdout).toMatch(/ stopped \(TERMINATED: ops mistake, since \w{3} \d{1,2} \w{3}( \d{4})?, \d\d:\d\d Berlin( \(.+\))?\) /);
  const show = await cli('pairs', 'show', pair.pairId);
  expect(show.stdout).toMatch(
    new RegExp(
      `^State +stopped \\(TERMINATED: ops mistake, since .+ Berlin( \\(.+\\))?\\): no email goes out until it is restarted \\(pairs restart ${pair.pairId}\\)$`,
      'm',
    ),
  );
  // Messages to a stopped pair say what to do.
  expect(await admin.api('POST', `${path}/pause`, {})).toEqual({
    status: 409,
    json: {
      problems: [
        `This pair's workflow has stopped, so nothing can be changed: restart it first (the Restart button on its page, or pairs restart ${pair.pairId}).`,
      ],
    },
  });
  const sentBefore = copiesByMessageId(pair.pairId);
  // Topics as the database holds them: one on the first agenda already, one accepted for the second
  // meeting, and one saved while Temporal could not be reached (no meeting given yet).
  const topic = (id: string, text: string, forCycle: number | null) =>
    stack.db.topic.create({ data: { id: `${pair.pairId}:${id}`, pairId: pair.pairId, addedByRole: 'report', text, forCycle } });
  await Promise.all([topic('old', 'Last week news', 1), topic('accepted', 'Conference budget', 2), topic('unsent', 'Team offsite', null)]);

  const restarted = await admin.api('POST', `${path}/restart`, {});
  expect(restarted).toMatchObject({ status: 200, json: { pairId: pair.pairId, cycle: 2, openActionItems: 1, pendingTopics: 2, paused: false } });
  const item = await stack.db.actionItem.findFirstOrThrow({ where: { pairId: pair.pairId } });
  const status = await waitForStatus(pair.handle, (s) => s.cycle === 2 && s.stage === 'reminder');
  expect(status.openActionItems).toEqual([{ id: item.id, cycle: 1, owner: 'report' }]);
  expect(status.pendingTopics.map((t) => t.id)).toEqual([`${pair.pairId}:accepted`, `${pair.pairId}:unsent`]);
  expect((await stack.db.topic.findUniqueOrThrow({ where: { id: `${pair.pairId}:unsent` } })).forCycle).toBe(2);
  expect(status.meetingAt).toBe(pair.second.meetingAt);
  expect((await admin.api('GET', `/admin/api/pairs?manager=${pair.managerEmail}`)).json.pairs[0]).toMatchObject({ state: 'active', stopped: null });
  const event = await stack.db.pairEvent.findFirstOrThrow({ where: { pairId: pair.pairId, kind: 'restarted' } });
  expect(event.cycleNumber).toBe(2);
  expect(JSON.parse(event.detail)).toMatchObject({ stopped: { status: 'TERMINATED', reason: 'ops mistake' }, cycle: 2, openActionItems: 1 });

  // The new run carried on after the reflection stage, which it did not run again, and the forms
  // the stopped run had sent are open for answers in the new run.
  expect((await answer(pair.reflectionLink, { 'q.topics': 'Moving teams', 'q.energy': '4' })).status).toBe(200);
  await advanceTo(env, stageAt(pair.second, 'agenda') + 1_000);
  const agenda = await emailOf(pair.pairId, 2, 'agenda', 'report');
  expect(agenda.text).toContain('Write the RFC');
  expect(agenda.text).toContain('Moving teams');
  expect(agenda.text).toContain('Conference budget');
  expect(agenda.text).toContain('Team offsite');
  expect(agenda.text).not.toContain('Last week news');
  await emailOf(pair.pairId, 2, 'reminder-managerPrep', 'manager');
  // The new run's writes of the pair's state carry on from the stopped run's revision, so they are
  // what the database (and the page) shows.
  const shownNow = async () => (await admin.api('GET', path)).json.status;
  for (let i = 0; i < 200 && (await shownNow()).stage !== 'meeting'; i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
  expect(await shownNow()).toMatchObject({ state: 'active', stage: 'meeting', cycle: 2 });
  const sentAfter = copiesByMessageId(pair.pairId);
  expect([...sentAfter].filter(([, copies]) => copies !== 1)).toEqual([]);
  for (const [id, copies] of sentBefore) expect({ id, copies: sentAfter.get(id) }).toEqual({ id, copies });
  expect(sentAfter.get(messageIdOf(pair.pairId, 2, 'reflection', 'report').replace(/[<>]/g, ''))).toBe(1);
  await pair.handle.executeUpdate('endPair', { args: [{}] });
});

it('carries on with a meeting already held: the meeting does not move and its follow-up goes out once', async () => {
  const pair = await newPair();
  const first = await waitForStatus(pair.handle, (s) => s.cycle === 1);
  await advanceTo(env, Date.parse(first.meetingAt!) + 60_000);
  await waitForStatus(pair.handle, (s) => s.stage === 'followUp');
  await pair.handle.terminate('ops mistake after the meeting');
  expect((await admin.api('POST', `/admin/api/pairs/${pair.pairId}/restart`, {})).json).toMatchObject({ cycle: 1 });
  const restarted = await waitForStatus(pair.handle, (s) => s.state === 'active' && s.stage === 'followUp');
  expect(restarted).toMatchObject({ cycle: 1, meetingAt: first.meetingAt });
  expect(restarted.nextEvents).toEqual([{ stage: 'followUp', at: first.nextEvents.find((e) => e.stage === 'followUp')!.at }]);
  await advanceTo(env, stageAt(first, 'followUp') + 1_000);
  await emailOf(pair.pairId, 1, 'followUpReport', 'report');
  await waitForStatus(pair.handle, (s) => s.cycle === 2);
  expect([...copiesByMessageId(pair.pairId)].filter(([, copies]) => copies !== 1)).toEqual([]);
  expect((await stack.db.cycle.findUniqueOrThrow({ where: { pairId_number: { pairId: pair.pairId, number: 1 } } })).status).toBe('held');
  await pair.handle.executeUpdate('endPair', { args: [{}] });
});

it('refuses to restart a running pair, an ended one and one that does not exist, with messages that say why', async () => {
  const running = await newPair();
  await waitForStatus(running.handle, (s) => s.cycle === 1);
  expect(await admin.api('POST', `/admin/api/pairs/${running.pairId}/restart`, {})).toEqual({ status: 409, json: { problems: [ALREADY_RUNNING] } });
  expect(await cli('pairs', 'restart', running.pairId)).toEqual({ code: 1, stdout: '', stderr: `error: ${ALREADY_RUNNING}` });

  await admin.api('POST', `/admin/api/pairs/${running.pairId}/end`, {});
  for (let i = 0; i < 200 && (await running.handle.describe()).status.name === 'RUNNING'; i += 1) await new Promise((r) => setTimeout(r, 50));
  expect((await stack.db.pair.findUniqueOrThrow({ where: { id: running.pairId } })).status).toBe('ended');
  expect(await admin.api('POST', `/admin/api/pairs/${running.pairId}/restart`, {})).toEqual({ status: 409, json: { problems: [HAS_ENDED] } });
  // Ended in Temporal though the row missed it: the completed run refuses a restart just the same.
  await stack.db.pair.update({ where: { id: running.pairId }, data: { status: 'active' } });
  expect(await admin.api('POST', `/admin/api/pairs/${running.pairId}/restart`, {})).toEqual({ status: 409, json: { problems: [HAS_ENDED] } });
  expect((await running.handle.describe()).status.name).toBe('COMPLETED');

  expect(await admin.api('POST', '/admin/api/pairs/no-such-pair/restart', {})).toEqual({ status: 404, json: { problems: ['There is no pair no-such-pair.'] } });
  expect(await admin.api('POST', '/admin/api/pairs/no-such-pair/restart', {}, { origin: new URL(PUBLIC_BASE_URL).origin })).toMatchObject({ status: 401 });
});

describe('in a browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => browser?.close());

  it("shows a stopped pair on its page, passes axe-core there, and restarts it from the page's button", async () => {
    const pair = await newPair();
    const first = await waitForStatus(pair.handle, (s) => s.cycle === 1);
    await advanceTo(env, stageAt(first, 'reflection') + 1_000);
    await emailOf(pair.pairId, 1, 'reflection', 'report');
    await waitForStatus(pair.handle, (s) => s.stage === 'reminder');
    await pair.handle.terminate('ops mistake');

    // bypassCSP lets axe-core's script run in the page.
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${admin.base}/admin/login`);
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('correct horse');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Pairs', exact: true }).waitFor();
    await page.goto(`${admin.base}/admin/pairs/${pair.pairId}`);
    const alert = page.getByRole('alert');
    expect(await alert.textContent()).toMatch(
      /^This pair's workflow stopped in Temporal \(TERMINATED: ops mistake\) on \w{3} \d{1,2} \w{3}( \d{4})?, \d\d:\d\d Berlin/,
    );
    await page.screenshot({ path: join(SCREENSHOTS, 'admin-pair-stopped.png') });
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Restart the workflow', exact: true }).click();
    await page.getByRole('status').waitFor();
    expect(await page.getByRole('status').textContent()).toContain('Restarted');
    expect(await page.locator('p', { hasText: 'State:' }).textContent()).not.toContain('stopped');
    // No meeting closed yet, so the first one is planned again as a pair's first: on the next
    // occurrence whose reflection can still go out on time (the outbox keeps it from going out again).
    await waitForStatus(pair.handle, (s) => s.cycle === 1 && s.state === 'active');
    await page.screenshot({ path: join(SCREENSHOTS, 'admin-pair-restarted.png') });
    await context.close();
    await pair.handle.executeUpdate('endPair', { args: [{}] });
  });
});
