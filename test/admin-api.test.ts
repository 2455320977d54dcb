// The admin API: sign-in, refusal without a session, creating pairs with clear validation, pair
// actions through the running workflow, and question-set versions picked up by the next form.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowNotFoundError } from '@temporalio/client';
import { sendToPair } from '../pairs/registration';
import { pauseUpdate } from '../workflows/pair-messages';
import { DateTime } from 'luxon';
import { MANAGER_KEY_ATTRIBUTE } from '../pairs/manager-search';
import { DEFAULT_QUESTION_SET } from '../question-sets/default-question-set';
import type { Question } from '../question-sets/question-types';
import { editorFields } from './support/question-editor-form';
import { advanceTo, messageIdOf, sameMessageId, waitForStatus } from './support/pair-driver';
import { ADMIN_ORIGIN, startAdminServer, type AdminServer } from './support/admin-server';
import { startRapportStack, type RapportStack } from '../harness/rapport-stack';
import { createTimeSkippingEnv } from '../harness/temporal-env';

const ORIGIN = ADMIN_ORIGIN;
let env: TestWorkflowEnvironment;
let stack: RapportStack;
let admin: AdminServer;
let base: string;
let cookie: string;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  stack = await startRapportStack(env);
  admin = await startAdminServer(env, stack);
  ({ base, cookie } = admin);
});

afterAll(async () => {
  await admin?.close();
  await stack?.stop();
  await env?.teardown();
});

const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => admin.api(method, path, body, headers);

let people = 0;
function newPairBody(overrides: Record<string, unknown> = {}) {
  people += 1;
  return {
    manager: { name: 'Maya Manager', email: `maya${people}@example.com` },
    report: { name: 'Ravi Report', email: `ravi${people}@example.com` },
    settings: { cadence: { kind: 'weekly', everyWeeks: 1, weekday: 4 }, meetingTime: '10:00', timeZone: 'Europe/Berlin' },
    ...overrides,
  };
}

it('refuses every admin route without a session, and form tokens grant nothing', async () => {
  const routes: [string, string][] = [
    ['GET', '/admin/api/pairs'],
    ['POST', '/admin/api/pairs'],
    ['GET', '/admin/api/pairs/x'],
    ['POST', '/admin/api/pairs/x/pause'],
    ['POST', '/admin/api/pairs/x/resume'],
    ['POST', '/admin/api/pairs/x/skip'],
    ['POST', '/admin/api/pairs/x/reschedule'],
    ['PATCH', '/admin/api/pairs/x/schedule'],
    ['POST', '/admin/api/pairs/x/end'],
    ['GET', '/admin/api/pairs/x/question-set'],
    ['PUT', '/admin/api/pairs/x/question-set'],
    ['GET', '/admin/api/pairs/x/question-set/versions'],
    ['POST', '/admin/api/pairs/x/question-set/rollback'],
    ['POST', '/admin/api/pairs/import'],
    ['GET', '/admin/api/pairs/x/history'],
    ['GET', '/admin/api/pairs/x/export.json'],
    ['GET', '/admin/api/pairs/x/export.csv'],
    ['GET', '/admin/api/question-sets/org'],
    ['PUT', '/admin/api/question-sets/org'],
    ['GET', '/admin/api/question-bank'],
    ['POST', '/admin/api/question-bank'],
    ['PUT', '/admin/api/question-bank/x'],
    ['DELETE', '/admin/api/question-bank/x'],
    ['POST', '/admin/api/pairs/x/question-set/from-bank'],
  ];
  const forged = 'rapport_admin=' + Buffer.from(JSON.stringify({ u: 'admin', exp: Date.now() + 1e9 })).toString('base64url') + '.bad';
  for (const [method, path] of routes) {
    const refusedHeaders: Record<string, string>[] = [
      { origin: ORIGIN },
      { origin: ORIGIN, cookie: forged },
      { origin: ORIGIN, cookie: `rapport_admin=${'a'.repeat(43)}` },
    ];
    for (const headers of refusedHeaders) {
      expect({ method, path, status: (await api(method, path, method === 'GET' ? undefined : {}, headers)).status }).toEqual({ method, path, status: 401 });
    }
  }
  expect((await api('GET', '/admin', undefined, {})).status).toBe(303);
  // A signed-in admin still needs to send changes from the admin pages.
  expect((await api('POST', '/admin/api/pairs', newPairBody(), { cookie })).status).toBe(403);
});

it('signs in with the configured credentials only, with a safe cookie, and signs out', async () => {
  const wrong = await fetch(`${base}/admin/login`, {
    method: 'POST',
    headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'user=admin&password=wrong',
  });
  expect(wrong.status).toBe(401);
  const right = await fetch(`${base}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'user=admin&password=correct+horse',
  });
  expect(right.headers.get('set-cookie')).toMatch(/^rapport_admin=[^;]+; Path=\/admin; HttpOnly; SameSite=Strict; Max-Age=28800$/);
  const signedIn = (right.headers.get('set-cookie') ?? '').split(';')[0];
  expect((await api('GET', '/admin/api/pairs', undefined, { cookie: signedIn })).status).toBe(200);
  const logout = await fetch(`${base}/admin/logout`, { method: 'POST', redirect: 'manual', headers: { origin: ORIGIN, cookie: signedIn } });
  expect(logout.headers.get('set-cookie')).toContain('Max-Age=0');
  // Signing out ended that session on the server; the admin's other session goes on.
  expect((await api('GET', '/admin/api/pairs', undefined, { cookie: signedIn })).status).toBe(401);
  expect((await api('GET', '/admin/api/pairs', undefined, { cookie })).status).toBe(200);
});

it('creates pairs, refusing duplicates and invalid ones with clear problems', async () => {
  const body = newPairBody();
  const created = await api('POST', '/admin/api/pairs', body);
  expect(created.status).toBe(201);
  const duplicate = await api('POST', '/admin/api/pairs', body);
  expect(duplicate.status).toBe(409);
  expect(duplicate.json.problems[0]).toMatch(/already exists/);

  const invalid = await api(
    'POST',
    '/admin/api/pairs',
    newPairBody({
      manager: { name: '', email: 'not-an-email' },
      settings: {
        cadence: { kind: 'monthly', ordinal: 5, weekday: 2 },
        meetingTime: '10:00',
        timeZone: 'Mars/Olympus',
        offsets: { reflectionBefore: 2880, reminderBefore: 30, agendaBefore: 60, followUpAfter: 1440 },
      },
    }),
  );
  expect(invalid.status).toBe(422);
  expect(invalid.json.problems).toEqual([
    'Manager name is required',
    'This is not an email address: not-an-email',
    'Weekday of the month must be the first, second, third, fourth or last (1, 2, 3, 4 or -1): a fifth does not occur every month',
    'Time zone not recognised: Mars/Olympus — use a name like Europe/Lisbon',
    'The reminder must go out before the agenda: set it further from the meeting than the agenda',
  ]);

  expect(await api('POST', '/admin/api/pairs', null)).toEqual({ status: 422, json: { problems: ['A pair needs a manager, a report and settings'] } });
  // The list shows what the workflow wrote to the database once it planned its first meeting.
  await waitForStatus(env.client.workflow.getHandle(`pair-${created.json.pairId}`) as never, (s) => s.cycle === 1);
  const list = await api('GET', `/admin/api/pairs?manager=maya${people - 1}@`);
  expect(list.json.pairs).toHaveLength(1);
  expect(list.json.pairs[0]).toMatchObject({ pairId: created.json.pairId, state: 'active', cycle: 1, consecutiveSkips: 0 });
  await api('POST', `/admin/api/pairs/${created.json.pairId}/end`, {});
});

it('pauses, resumes, skips, reschedules, changes cadence and ends through the workflow', async () => {
  const { json } = await api('POST', '/admin/api/pairs', newPairBody());
  const path = `/admin/api/pairs/${json.pairId}`;
  await waitForStatus(env.client.workflow.getHandle(`pair-${json.pairId}`) as never, (s) => s.cycle === 1);
  expect((await api('POST', `${path}/pause`, {})).json.state).toBe('paused');
  expect(await api('POST', `${path}/pause`, {})).toEqual({ status: 422, json: { problems: ['The pair is already paused.'] } });
  expect((await api('POST', `${path}/resume`, {})).json.state).toBe('active');
  expect(await api('POST', `${path}/reschedule`, { meetingAt: '2001-01-01T10:00:00Z' })).toEqual({
    status: 422,
    json: { problems: ['A meeting cannot be rescheduled into the past'] },
  });
  expect((await api('PATCH', `${path}/schedule`, { timeZone: 'Nowhere/Land' })).json.problems).toEqual([
    'Time zone not recognised: Nowhere/Land — use a name like Europe/Lisbon',
  ]);
  expect((await api('PATCH', `${path}/schedule`, { meetingTime: '15:30' })).json.settings.meetingTime).toBe('15:30');
  expect((await api('POST', `${path}/skip`, { reason: 'offsite' })).status).toBe(200);
  expect((await api('POST', '/admin/api/pairs/nope/pause', {})).status).toBe(404);
  expect((await api('POST', `${path}/end`, { reason: 'moved team' })).json.state).toBe('ended');
  // The workflow records the end in the database right after acknowledging it.
  for (let i = 0; i < 100 && (await api('GET', path)).json.pair.status !== 'ended'; i += 1) await new Promise((r) => setTimeout(r, 50));
  expect((await api('GET', path)).json.pair.status).toBe('ended');
});

it('sends a message again when it met a run continuing as new, and not once the pair has ended', async () => {
  const { json } = await api('POST', '/admin/api/pairs', newPairBody());
  const handle = env.client.workflow.getHandle(`pair-${json.pairId}`);
  await waitForStatus(handle as never, (s) => s.cycle === 1);
  // What an older server answers an Update that reached a run as it continued as new.
  const lostOnce = () => {
    let sends = 0;
    return async (h: { executeUpdate: typeof handle.executeUpdate }) => {
      sends += 1;
      if (sends === 1) throw new WorkflowNotFoundError('workflow execution already completed', `pair-${json.pairId}`, undefined);
      return { sends, status: await h.executeUpdate(pauseUpdate, { args: [{}] }) };
    };
  };
  const delivered = await sendToPair(env.client, json.pairId, lostOnce());
  expect(delivered).toMatchObject({ sends: 2, status: { state: 'paused' } });

  expect((await api('POST', `/admin/api/pairs/${json.pairId}/end`, {})).json.state).toBe('ended');
  for (let i = 0; i < 100 && (await handle.describe()).status.name === 'RUNNING'; i += 1) await new Promise((r) => setTimeout(r, 50));
  expect((await handle.describe()).status.name).toBe('COMPLETED');
  await expect(sendToPair(env.client, json.pairId, lostOnce())).rejects.toBeInstanceOf(WorkflowNotFoundError);
});

it('saves question-set versions with an audit trail; the next form uses them; rollback works', async () => {
  const { json } = await api('POST', '/admin/api/pairs', newPairBody());
  const pairId = json.pairId as string;
  const path = `/admin/api/pairs/${pairId}/question-set`;
  const handle = env.client.workflow.getHandle(`pair-${pairId}`);
  const status = await waitForStatus(handle as never, (s) => s.cycle === 1);
  const runBefore = (await handle.describe()).runId;

  const broken = {
    ...DEFAULT_QUESTION_SET,
    reflection: [
      { id: 'topics', text: ' ', type: 'text', required: true },
      { id: 'topics', text: 'Again', type: 'mood', required: true },
      { id: 'pick', text: 'Pick', type: 'choice', required: false },
    ],
  };
  expect((await api('PUT', path, { stages: broken })).json.problems).toEqual([
    'Reflection question 1: the question needs text',
    'Reflection question 2: another question already has the id "topics"',
    'Reflection question 2: unknown type "mood": use text, scale, yesNo, choice or actionItems',
    'Reflection question 3: a choice question needs at least two options',
  ]);

  const edited = {
    ...DEFAULT_QUESTION_SET,
    reflection: [...DEFAULT_QUESTION_SET.reflection, { id: 'learning', text: 'What did you learn this week?', type: 'text', required: false }],
  };
  const saved = await api('PUT', path, { stages: edited });
  expect(saved.json).toEqual({ version: 2, change: 'reflection: added learning', notified: true });
  const versions = (await api('GET', `${path}/versions`)).json.versions;
  expect(versions.map((v: { version: number; scope: string; createdBy: string }) => [v.version, v.scope, v.createdBy])).toEqual([
    [1, 'org', 'rapport'],
    [2, 'pair', 'admin'],
  ]);

  await advanceTo(env, Date.parse(status.nextEvents[0].at) + 1_000);
  const [reflection] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, 1, 'reflection', 'report')));
  expect(reflection.text).toContain('What did you learn this week?');
  expect((await handle.describe()).runId).toBe(runBefore);

  const rolledBack = await api('POST', `${path}/rollback`, { version: 1 });
  expect(rolledBack.json).toMatchObject({ version: 3, change: 'rolled back to version 1' });
  expect((await api('GET', path)).json.stages).toEqual(DEFAULT_QUESTION_SET);
  expect((await api('POST', `${path}/rollback`, { version: 99 })).status).toBe(422);
  await api('POST', `/admin/api/pairs/${pairId}/end`, {});
});

it('imports pairs from CSV with a per-row report, and serves history and exports', async () => {
  const csv = [
    'manager_name,manager_email,report_name,report_email,cadence,weekday,meeting_time,time_zone',
    'Ada Lead,ada@example.com,Bo Dev,bo@example.com,weekly,tuesday,09:30,Europe/Berlin',
    'Ada Lead,ada@example.com,Cy Dev,cy@example.com,weekly,tuesday,11:00,Mars/Olympus',
  ].join('\n');
  const response = await fetch(`${base}/admin/api/pairs/import`, {
    method: 'POST',
    headers: { origin: ORIGIN, cookie, 'content-type': 'text/csv' },
    body: csv,
  });
  expect(response.status).toBe(200);
  const report = (await response.json()) as { created: { pairId: string }[]; refused: unknown[] };
  expect(report.created).toHaveLength(1);
  expect(report.refused).toEqual([
    { line: 3, who: 'Ada Lead and Cy Dev', reasons: ['Time zone not recognised: Mars/Olympus — use a name like Europe/Lisbon'] },
  ]);
  const pairId = report.created[0].pairId;

  const history = await api('GET', `/admin/api/pairs/${pairId}/history`);
  expect(history.status).toBe(200);
  expect(history.json.meetingsHeld).toMatchObject({ held: 0, rate: null });
  const exported = await fetch(`${base}/admin/api/pairs/${pairId}/export.csv`, { headers: { cookie } });
  expect(exported.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  expect((await exported.text()).split('\r\n')[0]).toContain('question_id');
  expect((await api('GET', `/admin/api/pairs/${pairId}/export.json`)).json.pair.id).toBe(pairId);
  await api('POST', `/admin/api/pairs/${pairId}/end`, {});
});

it('takes a question suggestion from the report’s form page for an admin to accept or dismiss', async () => {
  const { json } = await api('POST', '/admin/api/pairs', newPairBody());
  const pairId = json.pairId as string;
  const status = await waitForStatus(env.client.workflow.getHandle(`pair-${pairId}`) as never, (s) => s.cycle === 1);
  await advanceTo(env, Date.parse(status.nextEvents[0].at) + 1_000);
  const [reflection] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, 1, 'reflection', 'report')));
  const [prep] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, 1, 'managerPrep', 'manager')));
  const formPath = (text: string) => new URL(/http:\/\/rapport\.test\/forms\/[A-Za-z0-9_-]+/.exec(text)![0]).pathname;
  const suggest = (path: string, suggestion: string) =>
    fetch(`${base}${path}/suggestion`, {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ suggestion }),
    });

  expect((await fetch(`${base}${formPath(reflection.text)}`)).status).toBe(200);
  expect(await (await fetch(`${base}${formPath(reflection.text)}`)).text()).toContain('Suggest it here');
  expect((await suggest(formPath(reflection.text), '  ')).status).toBe(422);
  expect((await suggest(formPath(prep.text), 'The manager cannot suggest here')).status).toBe(404);
  expect((await suggest(formPath(reflection.text), 'Ask about on-call load every week')).status).toBe(200);

  const listed = (await api('GET', `/admin/api/pairs/${pairId}/suggestions`)).json.suggestions;
  expect(listed.map((s: { by: string; text: string; status: string }) => [s.by, s.text, s.status])).toEqual([
    ['report', 'Ask about on-call load every week', 'open'],
  ]);
  const path = `/admin/api/pairs/${pairId}/suggestions/${listed[0].id}`;
  expect((await api('POST', path, { decision: 'maybe' })).status).toBe(422);
  expect((await api('POST', path, { decision: 'accepted' })).json).toEqual({ id: listed[0].id, status: 'accepted' });
  expect((await api('POST', path, { decision: 'dismissed' })).status).toBe(409);
  await api('POST', `/admin/api/pairs/${pairId}/end`, {});
});

it('switches a stage off per pair: no form and no reminder for it; the reflection cannot be switched off', async () => {
  const { json } = await api('POST', '/admin/api/pairs', newPairBody());
  const pairId = json.pairId as string;
  const path = `/admin/api/pairs/${pairId}/question-set`;
  expect((await api('PUT', path, { stages: { ...DEFAULT_QUESTION_SET, disabledStages: ['reflection'] } })).json.problems).toEqual([
    'The stage "reflection" cannot be switched off (only managerPrep, followUp, feedback can)',
  ]);
  const saved = await api('PUT', path, { stages: { ...DEFAULT_QUESTION_SET, disabledStages: ['managerPrep'] } });
  expect(saved.json.change).toBe('stages switched off: managerPrep');

  const status = await waitForStatus(env.client.workflow.getHandle(`pair-${pairId}`) as never, (s) => s.cycle === 1);
  const at = (stage: string) => Date.parse(status.nextEvents.find((e) => e.stage === stage)!.at);
  await advanceTo(env, at('reminder') + 1_000);
  await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, 1, 'reminder-reflection', 'report')));
  const manager = `maya${people}@example.com`;
  expect(stack.smtp.messages.filter((m) => m.to.includes(manager))).toHaveLength(0);
  expect(await stack.db.form.findMany({ where: { pairId } })).toEqual([expect.objectContaining({ kind: 'reflection' })]);
  await api('POST', `/admin/api/pairs/${pairId}/end`, {});
});

it('edits the organisation default, which pairs without their own questions use from their next form', async () => {
  const before = await api('GET', '/admin/api/question-sets/org');
  expect(before.json.scope).toBe('org');
  expect((await api('PUT', '/admin/api/question-sets/org', { stages: { ...DEFAULT_QUESTION_SET, feedback: [], extra: [] } })).json.problems).toEqual([
    'Unknown stage "extra"',
  ]);
  const feedback = [...DEFAULT_QUESTION_SET.feedback, { id: 'safety', text: 'Do you feel safe raising problems with me?', type: 'scale', required: false }];
  const saved = await api('PUT', '/admin/api/question-sets/org', { stages: { ...DEFAULT_QUESTION_SET, feedback } });
  expect(saved.json).toEqual({ version: before.json.version + 1, change: 'feedback: added safety' });

  const { json } = await api('POST', '/admin/api/pairs', newPairBody());
  expect((await api('GET', `/admin/api/pairs/${json.pairId}/question-set`)).json).toMatchObject({ scope: 'org', version: before.json.version + 1 });
  // Put the default back for the tests that follow.
  await api('PUT', '/admin/api/question-sets/org', { stages: DEFAULT_QUESTION_SET });
  await api('POST', `/admin/api/pairs/${json.pairId}/end`, {});
});

it('creates, imports, reschedules and changes a schedule from the admin pages’ forms', async () => {
  const form = (path: string, fields: Record<string, string>) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: ORIGIN, cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
  people += 1;
  const fields = {
    managerName: 'Maya Manager',
    managerEmail: `maya${people}@example.com`,
    reportName: 'Ravi Report',
    reportEmail: `ravi${people}@example.com`,
    cadence: 'weekly',
    everyWeeks: '1',
    ordinal: '1',
    weekday: '4',
    meetingTime: '10:00',
    timeZone: 'Europe/Berlin',
    durationMinutes: '30',
    feedbackEveryCycles: '4',
    formatNote: '',
  };
  const refused = await form('/admin/pairs', { ...fields, timeZone: 'Atlantis/Capital', durationMinutes: 'long' });
  expect(refused.status).toBe(422);
  const refusedPage = await refused.text();
  expect(refusedPage).toContain('Time zone not recognised: Atlantis/Capital — use a name like Europe/Lisbon');
  expect(refusedPage).toContain('Meeting length must be a whole number of minutes from 5 to 480');
  expect(refusedPage).toContain(`value="maya${people}@example.com"`);

  const created = await form('/admin/pairs', fields);
  expect(created.status).toBe(303);
  const pairPath = created.headers.get('location')!;
  const pairId = pairPath.split('/').pop()!;
  const status = await waitForStatus(env.client.workflow.getHandle(`pair-${pairId}`) as never, (s) => s.cycle === 1);

  // Thursday 10:00 moves to Friday 15:30, Berlin time.
  const friday = DateTime.fromISO(status.meetingAt!).setZone('Europe/Berlin').plus({ days: 1 }).set({ hour: 15, minute: 30 });
  expect((await form(`${pairPath}/reschedule`, { meetingAt: friday.toFormat("yyyy-MM-dd'T'HH:mm") })).status).toBe(303);
  const moved = await waitForStatus(env.client.workflow.getHandle(`pair-${pairId}`) as never, (s) => s.meetingAt === friday.toUTC().toISO());
  expect(moved.cycle).toBe(1);
  const past = await form(`${pairPath}/reschedule`, { meetingAt: '2001-01-01T10:00' });
  expect(past.status).toBe(422);
  expect(await past.text()).toContain('A meeting cannot be rescheduled into the past');

  expect(
    (
      await form(`${pairPath}/schedule`, {
        cadence: 'monthly',
        ordinal: 'last',
        weekday: '5',
        everyWeeks: '',
        meetingTime: '09:00',
        durationMinutes: '45',
        feedbackEveryCycles: '3',
      })
    ).status,
  ).toBe(303);
  const changed = (await api('GET', `/admin/api/pairs/${pairId}`)).json.status.settings;
  expect(changed).toMatchObject({ cadence: { kind: 'monthly', ordinal: -1, weekday: 5 }, meetingTime: '09:00', durationMinutes: 45, feedbackEveryCycles: 3 });

  const imported = await form('/admin/pairs/import', {
    csv: 'manager_name,manager_email,report_name,report_email,cadence,weekday,meeting_time,time_zone\nAda,ada.page@example.com,Bo,bo.page@example.com,weekly,monday,09:00,Nowhere/Land\n',
  });
  expect(imported.status).toBe(200);
  expect(await imported.text()).toContain('Row 2, Ada and Bo: Time zone not recognised: Nowhere/Land — use a name like Europe/Lisbon');
  await api('POST', `/admin/api/pairs/${pairId}/end`, {});
});

it('takes working days and calendar invites from the API, refusing invalid ones with their messages', async () => {
  const settings = { cadence: { kind: 'weekly', everyWeeks: 1, weekday: 4 }, meetingTime: '10:00', timeZone: 'Europe/Berlin' };
  const refusals: [unknown, unknown, string[]][] = [
    [[], undefined, ['Working days must be one to seven days from Monday (1) to Sunday (7)']],
    [[0, 8], 'yes', ['Working days must be one to seven days from Monday (1) to Sunday (7)', 'Calendar invites must be on or off (true or false)']],
    ['mon,tue', null, ['Working days must be one to seven days from Monday (1) to Sunday (7)', 'Calendar invites must be on or off (true or false)']],
    [[2, 3, 2], 1, ['Working days name a day twice', 'Calendar invites must be on or off (true or false)']],
  ];
  for (const [workingDays, calendarInvites, problems] of refusals) {
    const refused = await api('POST', '/admin/api/pairs', newPairBody({ settings: { ...settings, workingDays, calendarInvites } }));
    expect({ workingDays, calendarInvites, status: refused.status, problems: refused.json.problems }).toEqual({
      workingDays,
      calendarInvites,
      status: 422,
      problems,
    });
  }

  // Thursday meetings with Monday and Friday as working days: the reminder (Wednesday) goes out on
  // Monday, the reflection (Tuesday) on the Friday before, the follow-up (Friday) stays.
  const created = await api('POST', '/admin/api/pairs', newPairBody({ settings: { ...settings, workingDays: [1, 5], calendarInvites: false } }));
  expect(created.status).toBe(201);
  const path = `/admin/api/pairs/${created.json.pairId}`;
  const status = await waitForStatus(env.client.workflow.getHandle(`pair-${created.json.pairId}`) as never, (s) => s.cycle === 1);
  const weekdayOf = (stage: string) => DateTime.fromISO(status.nextEvents.find((e) => e.stage === stage)!.at, { zone: 'Europe/Berlin' }).toFormat('ccc HH:mm');
  expect(['reflection', 'reminder', 'agenda', 'meeting', 'followUp'].map(weekdayOf)).toEqual(['Fri 10:00', 'Mon 10:00', 'Thu 09:00', 'Thu 10:00', 'Fri 10:00']);
  const shown = (await api('GET', path)).json;
  expect(shown.status.settings).toMatchObject({ workingDays: [1, 5], calendarInvites: false });
  expect(shown.pair).toMatchObject({ workingDays: '[1,5]', calendarInvites: false });

  const changed = await api('PATCH', `${path}/schedule`, { workingDays: [1, 2, 3, 4, 5, 6, 7], calendarInvites: true });
  expect(changed.status).toBe(200);
  expect((await api('GET', path)).json.status.settings).toMatchObject({ workingDays: [1, 2, 3, 4, 5, 6, 7], calendarInvites: true });
  for (const [change, problem] of [
    [{ workingDays: [] }, 'Working days must be one to seven days from Monday (1) to Sunday (7)'],
    [{ workingDays: [1, 1] }, 'Working days name a day twice'],
    [{ calendarInvites: 'no' }, 'Calendar invites must be on or off (true or false)'],
  ] as const) {
    const refused = await api('PATCH', `${path}/schedule`, change);
    expect({ change, status: refused.status, problems: refused.json.problems }).toEqual({ change, status: 422, problems: [problem] });
  }
  expect((await api('GET', path)).json.status.settings).toMatchObject({ workingDays: [1, 2, 3, 4, 5, 6, 7], calendarInvites: true });
  await api('POST', `${path}/end`, {});
});

it('takes working days and calendar invites from the admin pages as checkboxes, changing them only when they were changed', async () => {
  const form = (path: string, fields: [string, string][]) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: ORIGIN, cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
  const page = async (path: string) => (await fetch(`${base}${path}`, { headers: { cookie } })).text();
  const checkedDays = (html: string) => [...html.matchAll(/id="workingDay(\d)" name="workingDays" value="\d" checked/g)].map((match) => Number(match[1]));
  const invitesChecked = (html: string) => /id="calendarInvites" name="calendarInvites" checked/.test(html);
  const settingsOf = async (pairId: string) => (await api('GET', `/admin/api/pairs/${pairId}`)).json.status.settings;

  // A new pair's form: Monday to Friday and invites, checked.
  const list = await page('/admin');
  expect(checkedDays(list)).toEqual([1, 2, 3, 4, 5]);
  expect(invitesChecked(list)).toBe(true);
  expect(list).toContain('<legend>Working days: forms and reminders go out on these days (the meeting keeps its own)</legend>');

  people += 1;
  const newPair: [string, string][] = [
    ['managerName', 'Maya Manager'],
    ['managerEmail', `maya${people}@example.com`],
    ['reportName', 'Ravi Report'],
    ['reportEmail', `ravi${people}@example.com`],
    ['cadence', 'weekly'],
    ['everyWeeks', '1'],
    ['weekday', '4'],
    ['meetingTime', '10:00'],
    ['timeZone', 'Europe/Berlin'],
    ['workingDaysShown', '1,2,3,4,5'],
    ['calendarInvitesShown', 'on'],
    ...[2, 3, 4, 5, 6].map((day): [string, string] => ['workingDays', String(day)]),
  ];
  // A refused form keeps the boxes as they were sent.
  const refused = await form('/admin/pairs', [...newPair.filter(([name]) => name !== 'timeZone'), ['timeZone', 'Atlantis/Capital']]);
  expect(refused.status).toBe(422);
  const refusedPage = await refused.text();
  expect(checkedDays(refusedPage)).toEqual([2, 3, 4, 5, 6]);
  expect(invitesChecked(refusedPage)).toBe(false);

  const created = await form('/admin/pairs', newPair);
  expect(created.status).toBe(303);
  const pairPath = created.headers.get('location') ?? '';
  const pairId = pairPath.split('/').pop() ?? '';
  expect(await settingsOf(pairId)).toMatchObject({ workingDays: [2, 3, 4, 5, 6], calendarInvites: false });
  await waitForStatus(env.client.workflow.getHandle(`pair-${pairId}`) as never, (s) => s.cycle === 1);
  const pairPage = await page(pairPath);
  expect(checkedDays(pairPage)).toEqual([2, 3, 4, 5, 6]);
  expect(invitesChecked(pairPage)).toBe(false);
  expect(pairPage).toContain('name="workingDaysShown" value="2,3,4,5,6"');

  // Unchanged boxes change nothing; no box checked is refused beside the days.
  const shown: [string, string][] = [
    ['workingDaysShown', '2,3,4,5,6'],
    ['calendarInvitesShown', 'off'],
    ...[6, 2, 3, 4, 5].map((day): [string, string] => ['workingDays', String(day)]),
  ];
  expect((await form(`${pairPath}/schedule`, [['meetingTime', '11:00'], ...shown])).status).toBe(303);
  expect(await settingsOf(pairId)).toMatchObject({ meetingTime: '11:00', workingDays: [2, 3, 4, 5, 6], calendarInvites: false });
  const none = await form(`${pairPath}/schedule`, [
    ['workingDaysShown', '2,3,4,5,6'],
    ['calendarInvitesShown', 'off'],
  ]);
  expect(none.status).toBe(422);
  const nonePage = await none.text();
  expect(nonePage).toContain('<fieldset id="workingDays" aria-describedby="workingDays-problem">');
  expect(nonePage).toContain('<p class="error" id="workingDays-problem">Working days must be one to seven days from Monday (1) to Sunday (7)</p>');
  // The boxes stay as they were sent; what the form says it showed is still the pair's days.
  expect(checkedDays(nonePage)).toEqual([]);
  expect(nonePage).toContain('name="workingDaysShown" value="2,3,4,5,6"');
  const changed = await form(`${pairPath}/schedule`, [
    ['workingDaysShown', '2,3,4,5,6'],
    ['calendarInvitesShown', 'off'],
    ['calendarInvites', 'on'],
    ['workingDays', '1'],
    ['workingDays', '7'],
  ]);
  expect(changed.status).toBe(303);
  expect(await settingsOf(pairId)).toMatchObject({ workingDays: [1, 7], calendarInvites: true });

  // A pair without a choice of its own keeps following the organisation's default; a form without
  // the markers (from before these settings) leaves both as they are.
  const fromApi = (await api('POST', '/admin/api/pairs', newPairBody())).json.pairId as string;
  await waitForStatus(env.client.workflow.getHandle(`pair-${fromApi}`) as never, (s) => s.cycle === 1);
  const defaultPage = await page(`/admin/pairs/${fromApi}`);
  expect(invitesChecked(defaultPage)).toBe(true);
  expect(defaultPage).toContain('aria-describedby="calendarInvitesHint"');
  const unchanged: [string, string][] = [
    ['workingDaysShown', '1,2,3,4,5'],
    ['calendarInvitesShown', 'on'],
    ['calendarInvites', 'on'],
    ...[1, 2, 3, 4, 5].map((day): [string, string] => ['workingDays', String(day)]),
  ];
  expect((await form(`/admin/pairs/${fromApi}/schedule`, [['durationMinutes', '45'], ...unchanged])).status).toBe(303);
  expect((await form(`/admin/pairs/${fromApi}/schedule`, [['durationMinutes', '50']])).status).toBe(303);
  const kept = await settingsOf(fromApi);
  expect(kept).toMatchObject({ durationMinutes: 50 });
  expect(kept).not.toHaveProperty('workingDays');
  expect(kept).not.toHaveProperty('calendarInvites');
  await api('POST', `/admin/api/pairs/${pairId}/end`, {});
  await api('POST', `/admin/api/pairs/${fromApi}/end`, {});
});

it('refuses every invalid schedule change with its own clear problem, changing nothing', async () => {
  const { json } = await api('POST', '/admin/api/pairs', newPairBody());
  const path = `/admin/api/pairs/${json.pairId}`;
  await waitForStatus(env.client.workflow.getHandle(`pair-${json.pairId}`) as never, (s) => s.cycle === 1);
  const refusals: [Record<string, unknown>, string][] = [
    [{ cadence: { kind: 'daily' } }, 'Cadence must be weekly or monthly (or demo, a meeting every few minutes for trying Rapport out)'],
    [{ cadence: { kind: 'weekly', everyWeeks: 0, weekday: 4 } }, 'Weeks between meetings must be a whole number from 1 to 52'],
    [{ cadence: { kind: 'weekly', everyWeeks: 1, weekday: 8 } }, 'Weekday must be a day from Monday (1) to Sunday (7)'],
    [
      { cadence: { kind: 'monthly', ordinal: 5, weekday: 2 } },
      'Weekday of the month must be the first, second, third, fourth or last (1, 2, 3, 4 or -1): a fifth does not occur every month',
    ],
    [{ meetingTime: '25:00' }, 'Meeting time must be a time like 09:30, on a 24-hour clock'],
    [{ durationMinutes: 2 }, 'Meeting length must be a whole number of minutes from 5 to 480'],
    [{ timeZone: 'Mars/Olympus' }, 'Time zone not recognised: Mars/Olympus — use a name like Europe/Lisbon'],
    [{ offsets: { reflectionBefore: 60, reminderBefore: 120 } }, 'The reminder must go out after the reflection form: set it closer to the meeting'],
    [{ offsets: { reminderBefore: 30, agendaBefore: 60 } }, 'The reminder must go out before the agenda: set it further from the meeting than the agenda'],
    [{ offsets: { followUpAfter: 10 } }, 'The follow-up must go out after the meeting ends: at least the meeting’s length after it starts'],
    [{ offsets: { agendaBefore: -5 } }, 'The agenda must go out 0 to 60 days before the meeting, in whole minutes'],
    [{ feedbackEveryCycles: 0 }, 'Feedback every N meetings: N must be a whole number from 1 to 52'],
    [{ skipNudgeAfter: 100 }, 'Skips before a nudge must be a whole number from 1 to 52'],
    [
      { offsets: { reflectionBefore: 6 * 1440, followUpAfter: 2 * 1440 } },
      'From the reflection form to the follow-up must take less than the time between two meetings: send the form later or the follow-up sooner',
    ],
  ];
  const before = (await api('GET', path)).json.status.settings;
  for (const [change, problem] of refusals) {
    const refused = await api('PATCH', `${path}/schedule`, change);
    expect({ change, status: refused.status, problems: refused.json.problems }).toEqual({ change, status: 422, problems: expect.arrayContaining([problem]) });
  }
  expect((await api('GET', path)).json.status.settings).toEqual(before);
  expect((await api('PATCH', '/admin/api/pairs/nope/schedule', { meetingTime: '11:00' })).status).toBe(404);
  await api('POST', `${path}/end`, {});
});

it('finds a manager’s pairs by their search key, which is what Temporal holds instead of an email', async () => {
  const manager = { name: 'Kim Keyed', email: `kim.keyed.${people}@example.com` };
  const first = (await api('POST', '/admin/api/pairs', newPairBody({ manager }))).json.pairId;
  const second = (await api('POST', '/admin/api/pairs', newPairBody({ manager }))).json.pairId;
  const shown = await api('GET', `/admin/api/pairs/${second}`);
  expect(shown.json.search).toEqual({ managerKey: first, temporalQuery: `RapportManagerKey = "${first}"` });
  const described = await env.client.workflow.getHandle(`pair-${second}`).describe();
  expect(described.typedSearchAttributes.get(MANAGER_KEY_ATTRIBUTE)).toBe(first);

  const byKey = await api('GET', `/admin/api/pairs?manager=${first}`);
  expect(byKey.json.pairs.map((p: { pairId: string }) => p.pairId)).toEqual([first, second]);
  expect(byKey.json.pairs[0].manager).toEqual({ ...manager, key: first });
  for (const pairId of [first, second]) await api('POST', `/admin/api/pairs/${pairId}/end`, {});
});

it('keeps every scale label when the pair page’s editor saves, and notes only what changed', async () => {
  const { json } = await api('POST', '/admin/api/pairs', newPairBody());
  const pairId = json.pairId as string;
  const fields = editorFields(DEFAULT_QUESTION_SET, `admin-editor-${pairId}`);
  const notes = DEFAULT_QUESTION_SET.followUp.findIndex((question) => question.id === 'notes');
  const saved = await admin.form(`/admin/pairs/${pairId}/question-set`, { ...fields, [`followUp.${notes}.text`]: 'What should we remember?' });
  expect(saved.status).toBe(303);
  const set = (await api('GET', `/admin/api/pairs/${pairId}/question-set`)).json;
  const scales = (stages: typeof DEFAULT_QUESTION_SET) =>
    Object.values(stages)
      .flat()
      .filter((question): question is Question => typeof question === 'object' && question.type === 'scale');
  expect(scales(set.stages).map((question) => question.scaleLabels)).toEqual(scales(DEFAULT_QUESTION_SET).map((question) => question.scaleLabels));
  const [latest] = (await api('GET', `/admin/api/pairs/${pairId}/question-set/versions`)).json.versions.slice(-1);
  expect(latest.note).toBe('followUp: edited notes');
  await api('POST', `/admin/api/pairs/${pairId}/end`, {});
});
