// Calendar invites: each meeting is one event on both people's calendars, sent when it is planned,
// updated when it moves and cancelled when it will not take place. The received messages are read
// with an independent iCalendar parser (ical.js), not with the library that wrote them.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import PostalMime from 'postal-mime';
import { changeScheduleUpdate, endPairUpdate, pauseUpdate, rescheduleMeetingUpdate, resumeUpdate, skipMeetingUpdate } from '../workflows/pair-messages';
import { advanceTo, waitForStatus, type PairHandle } from './support/pair-driver';
import { startRapportStack, type RapportStack } from '../harness/rapport-stack';
import { createTimeSkippingEnv } from '../harness/temporal-env';
import type { ReceivedEmail } from '../harness/smtp-sink';
import type { PairSettings } from '../workflows/pair-types';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium, SCREENSHOTS } from './support/browser';
import { accessibilityViolations } from './support/accessibility';

let env: TestWorkflowEnvironment;
let stack: RapportStack;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  stack = await startRapportStack(env, { calendarInvites: true });
});

afterAll(async () => {
  await stack?.stop();
  await env?.teardown();
});

interface Invite {
  to: string;
  /** The method parameter of the text/calendar part's Content-Type. */
  contentTypeMethod: string;
  method: string;
  uid: string;
  sequence: number;
  start: number;
  end: number;
  status: string;
  location: string | null;
  description: string;
  attendees: { address: string; rsvp: string | null }[];
}

async function inviteIn(email: ReceivedEmail): Promise<Invite | null> {
  const typeHeader = /Content-Type: text\/calendar;[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*/i.exec(email.raw)?.[0];
  if (!typeHeader) return null;
  const parsed = await PostalMime.parse(email.raw);
  const part = parsed.attachments.find((attachment) => attachment.mimeType === 'text/calendar');
  if (!part) throw new Error(`no text/calendar part readable in "${email.subject}"`);
  const text = typeof part.content === 'string' ? part.content : Buffer.from(part.content as ArrayBuffer).toString('utf8');
  const calendar = new ICAL.Component(ICAL.parse(text));
  const event = calendar.getFirstSubcomponent('vevent')!;
  const time = (name: string) => (event.getFirstPropertyValue(name) as ICAL.Time).toJSDate().getTime();
  return {
    to: email.to[0],
    contentTypeMethod: /method=([A-Z]+)/i.exec(typeHeader)?.[1]?.toUpperCase() ?? '',
    method: String(calendar.getFirstPropertyValue('method')),
    uid: String(event.getFirstPropertyValue('uid')),
    sequence: Number(event.getFirstPropertyValue('sequence')),
    start: time('dtstart'),
    end: time('dtend'),
    status: String(event.getFirstPropertyValue('status')),
    location: (event.getFirstPropertyValue('location') as string | null) ?? null,
    description: String(event.getFirstPropertyValue('description') ?? ''),
    attendees: event.getAllProperties('attendee').map((attendee) => ({
      address: String(attendee.getFirstValue()).replace(/^mailto:/i, ''),
      rsvp: (attendee.getParameter('rsvp') as string | undefined) ?? null,
    })),
  };
}

/** Every invite a person received for a pair, in the order they arrived. */
async function invitesFor(pairId: string, address: string): Promise<Invite[]> {
  const invites: Invite[] = [];
  for (const email of stack.smtp.messages.filter((m) => m.to.includes(address))) {
    const invite = await inviteIn(email);
    if (invite && invite.uid.includes(pairId)) invites.push(invite);
  }
  return invites;
}

async function waitForInvites(pairId: string, address: string, count: number): Promise<Invite[]> {
  for (let tries = 0; tries < 400; tries += 1) {
    const invites = await invitesFor(pairId, address);
    if (invites.length >= count) return invites;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${address} got fewer than ${count} invites: ${JSON.stringify(await invitesFor(pairId, address))}`);
}

let people = 0;
async function newPair(settings: Partial<PairSettings> = {}): Promise<{ pairId: string; handle: PairHandle; report: string; manager: string }> {
  people += 1;
  const report = `rhea${people}@example.com`;
  const manager = `milo${people}@example.com`;
  const { pairId, handle } = await stack.createPair({
    manager: { name: 'Milo Manager', email: manager },
    report: { name: 'Rhea Report', email: report },
    settings: { cadence: { kind: 'weekly', everyWeeks: 1, weekday: 4 }, meetingTime: '10:00', timeZone: 'Europe/Berlin', ...settings },
    formatNote: 'Room 4.2, or a walk',
  });
  return { pairId, handle, report, manager };
}

const localTime = (instant: number, zone: string) => DateTime.fromMillis(instant, { zone }).toFormat('HH:mm');

it('invites both to each meeting when it is planned, updates it as it moves or lengthens, and cancels it when skipped', async () => {
  const pair = await newPair();
  const status = await waitForStatus(pair.handle, (s) => s.cycle === 1);
  const meetingAt = Date.parse(status.meetingAt!);
  const [first] = await waitForInvites(pair.pairId, pair.report, 1);
  expect(first).toMatchObject({
    method: 'REQUEST',
    contentTypeMethod: 'REQUEST',
    sequence: 0,
    start: meetingAt,
    end: meetingAt + 30 * 60_000,
    status: 'CONFIRMED',
  });
  expect(first.uid).toBe(`rapport-${pair.pairId}-1@rapport.test`);
  expect(first.location).toBe('Room 4.2, or a walk');
  expect(localTime(first.start, 'Europe/Berlin')).toBe('10:00');
  expect(first.attendees).toEqual([
    { address: pair.report, rsvp: 'FALSE' },
    { address: pair.manager, rsvp: 'FALSE' },
  ]);
  // Calendars are shared with assistants: the event holds no link.
  expect(first.description).not.toMatch(/https?:/);
  expect((await waitForInvites(pair.pairId, pair.manager, 1))[0]).toMatchObject({ uid: first.uid, sequence: 0 });

  const moved = meetingAt + 2 * 3_600_000;
  await pair.handle.executeUpdate(changeScheduleUpdate, { args: [{ durationMinutes: 45 }] });
  await pair.handle.executeUpdate(rescheduleMeetingUpdate, { args: [{ meetingAt: new Date(moved).toISOString() }] });
  await pair.handle.executeUpdate(skipMeetingUpdate, { args: [{ by: 'report', cycle: 1 }] });
  await waitForStatus(pair.handle, (s) => s.cycle === 2);

  const invites = await waitForInvites(pair.pairId, pair.report, 5);
  const ofFirst = invites.filter((invite) => invite.uid === first.uid);
  expect(ofFirst.map((invite) => [invite.method, invite.contentTypeMethod, invite.sequence, invite.start, invite.end])).toEqual([
    ['REQUEST', 'REQUEST', 0, meetingAt, meetingAt + 30 * 60_000],
    ['REQUEST', 'REQUEST', 1, meetingAt, meetingAt + 45 * 60_000],
    ['REQUEST', 'REQUEST', 2, moved, moved + 45 * 60_000],
    ['CANCEL', 'CANCEL', 3, moved, moved + 45 * 60_000],
  ]);
  expect(ofFirst[3].status).toBe('CANCELLED');
  // The next meeting is on both calendars as soon as it is planned, with a UID of its own.
  const next = invites.find((invite) => invite.uid === `rapport-${pair.pairId}-2@rapport.test`);
  expect(next).toMatchObject({ method: 'REQUEST', sequence: 0 });
  expect((await invitesFor(pair.pairId, pair.manager)).map((invite) => [invite.uid, invite.sequence])).toEqual(
    invites.map((invite) => [invite.uid, invite.sequence]),
  );
  await pair.handle.executeUpdate(endPairUpdate, { args: [{}] });
});

it('cancels a meeting paused over and invites again on resume; the end of the pair cancels its next meeting', async () => {
  const pair = await newPair();
  await waitForStatus(pair.handle, (s) => s.cycle === 1);
  await waitForInvites(pair.pairId, pair.report, 1);
  await pair.handle.executeUpdate(pauseUpdate, { args: [{}] });
  await waitForInvites(pair.pairId, pair.report, 2);
  await pair.handle.executeUpdate(resumeUpdate);
  await waitForInvites(pair.pairId, pair.report, 3);
  await pair.handle.executeUpdate(endPairUpdate, { args: [{}] });
  const invites = await waitForInvites(pair.pairId, pair.report, 4);
  expect(invites.map((invite) => [invite.method, invite.sequence])).toEqual([
    ['REQUEST', 0],
    ['CANCEL', 1],
    ['REQUEST', 2],
    ['CANCEL', 3],
  ]);
});

it('sends no invite to a pair that turned them off', async () => {
  const pair = await newPair({ calendarInvites: false });
  const status = await waitForStatus(pair.handle, (s) => s.cycle === 1);
  await advanceTo(env, Date.parse(status.nextEvents[0].at) + 1_000);
  await stack.smtp.waitFor((m) => m.to.includes(pair.report));
  expect(await invitesFor(pair.pairId, pair.report)).toEqual([]);
  await pair.handle.executeUpdate(endPairUpdate, { args: [{}] });
});

/** Two meetings of a pair created just before a DST change: both at 10:00 on the local clock. */
async function acrossDstChange(timeZone: string, weekday: 1 | 2 | 3 | 4 | 5, createAt: string): Promise<void> {
  await advanceTo(env, DateTime.fromISO(createAt, { zone: timeZone }).toMillis());
  const pair = await newPair({ timeZone, cadence: { kind: 'weekly', everyWeeks: 1, weekday } });
  const first = await waitForStatus(pair.handle, (s) => s.cycle === 1);
  await advanceTo(env, Date.parse(first.nextEvents.find((e) => e.stage === 'followUp')!.at) + 1_000);
  await waitForStatus(pair.handle, (s) => s.cycle === 2);
  const invites = await waitForInvites(pair.pairId, pair.report, 2);
  const starts = invites.map((invite) => DateTime.fromMillis(invite.start, { zone: timeZone }));
  expect(starts.map((start) => start.toFormat('HH:mm'))).toEqual(['10:00', '10:00']);
  // The two meetings straddle the change: their UTC offsets differ by an hour.
  expect(Math.abs(starts[0].offset - starts[1].offset)).toBe(60);
  expect(starts[1].diff(starts[0], 'hours').hours).not.toBe(168);
  await pair.handle.executeUpdate(endPairUpdate, { args: [{}] });
}

it('puts each meeting at the right local time across both DST changes in Berlin and New York', async () => {
  // Spring 2027: New York on 14 March, Berlin on 28 March; autumn: Berlin on 31 October, New York on 7 November.
  await acrossDstChange('America/New_York', 3, '2027-03-06T08:00');
  await acrossDstChange('Europe/Berlin', 3, '2027-03-20T08:00');
  await acrossDstChange('Europe/Berlin', 3, '2027-10-23T08:00');
  await acrossDstChange('America/New_York', 3, '2027-10-30T08:00');
});

it('shows the invite and the cancellation emails readably, and passes axe-core', async () => {
  const pair = await newPair();
  await waitForStatus(pair.handle, (s) => s.cycle === 1);
  await waitForInvites(pair.pairId, pair.report, 1);
  await pair.handle.executeUpdate(endPairUpdate, { args: [{}] });
  await waitForInvites(pair.pairId, pair.report, 2);
  const emails = stack.smtp.messages.filter((m) => m.to.includes(pair.report));
  const invite = emails.find((m) => m.subject.startsWith('1:1 with'))!;
  const cancelled = emails.find((m) => m.subject.startsWith('Cancelled:'))!;
  expect(invite.text).toContain('Your 1:1 with Milo Manager is on');
  expect(cancelled.text).toContain('will not take place');
  const browser = await launchChromium();
  try {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const page = await browser.newPage();
    for (const [name, email] of [
      ['invite-email', invite],
      ['invite-cancelled-email', cancelled],
    ] as const) {
      await page.setContent(email.html);
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
      expect(await accessibilityViolations(page)).toEqual([]);
    }
  } finally {
    await browser.close();
  }
});
