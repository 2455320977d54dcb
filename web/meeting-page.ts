// The "this 1:1" page (/pairs/:token/meeting): the next meeting in the pair's time zone, the forms
// to skip it, move it or pause for an absence, and the changes either person or an admin made.
// Also what its three forms send, read into what pairs/pair-self-service.ts takes.
import { DateTime } from 'luxon';
import type { PairRow } from '../pairs/links';
import { formatLocal, formatLocalDate } from '../pairs/local-time';
import { MAX_PAUSE_YEARS, type MeetingOverview, type PairChange } from '../pairs/pair-self-service';
import { newSubmissionId } from '../pairs/submission-ids';
import type { MeetingPage } from '../templates/page-contexts';
import { MAX_REASON_LENGTH, type Role } from '../workflows/pair-types';
import type { FormFields } from './answer-validation';

export type MeetingFormName = 'skip' | 'move' | 'pause';

/** What a refused form sends back to the page: its problem and what was typed. */
export interface SentBack {
  form: MeetingFormName;
  problem: string;
  typed: Record<string, string>;
  submission: string;
}

export const UNKNOWN_FIELDS = 'The form sent something it does not ask for. Open the link in your email and send the form from there.';

const FIELDS: Record<MeetingFormName, readonly string[]> = {
  skip: ['submission', 'meeting', 'reason'],
  move: ['submission', 'date', 'time'],
  pause: ['submission', 'until'],
};

/** The form's fields as text, or null when it sent a field it does not have or one twice. */
export function meetingFormFields(form: MeetingFormName, fields: FormFields): Record<string, string> | null {
  const known = FIELDS[form];
  const read: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (!known.includes(name) || typeof value !== 'string') return null;
    read[name] = value;
  }
  return read;
}

/** The meeting number the skip form carries: empty for none, else a whole number; undefined when it is neither. */
export function meetingNumberOf(typed: string | undefined): number | null | undefined {
  const value = (typed ?? '').trim();
  if (value === '') return null;
  return /^[1-9]\d{0,8}$/.test(value) ? Number(value) : undefined;
}

/** A refusal's message for the person: a sentence, with any instant in it read in the pair's time zone. */
export function refusalForPerson(message: string, timeZone: string): string {
  const local = message
    .replace(/ \((\d{4}-\d{2}-\d{2}T[\d:.]+Z)\)/g, (_all, iso: string) => `, on ${formatLocal(Date.parse(iso), timeZone)}`)
    .replace(/\d{4}-\d{2}-\d{2}T[\d:.]+Z/g, (iso) => formatLocal(Date.parse(iso), timeZone));
  const sentence = local.charAt(0).toUpperCase() + local.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

const nameOf = (pair: PairRow, role: Role) => (role === 'report' ? pair.reportName : pair.managerName);
const otherOf = (role: Role): Role => (role === 'report' ? 'manager' : 'report');

function byWhom(pair: PairRow, by: PairChange['by']): string {
  if (by === null) return '';
  return by === 'admin' ? ' by an admin' : ` by ${nameOf(pair, by)}`;
}

function changeText(pair: PairRow, change: PairChange): string {
  const local = (instant: number) => formatLocal(instant, pair.timeZone);
  const meeting = change.cycle === null ? 'the meeting' : `meeting ${change.cycle}`;
  const who = byWhom(pair, change.by);
  switch (change.kind) {
    case 'skipped':
      return `Skipped ${meeting}${change.meetingAt === null ? '' : ` of ${local(change.meetingAt)}`}${who}`;
    case 'rescheduled':
      return `Moved ${meeting}${change.from === null ? '' : ` from ${local(change.from)}`}${change.to === null ? '' : ` to ${local(change.to)}`}${who}`;
    case 'paused':
      return `Paused the 1:1s${change.until === null ? '' : ` until ${formatLocalDate(change.until, pair.timeZone)}`}${who}`;
    case 'resumed':
      return `Resumed the 1:1s${who}`;
  }
}

function standingOf(pair: PairRow, overview: MeetingOverview): string[] {
  if (overview.ended) return ['These 1:1s have ended, so nothing here can be changed any more.'];
  const standing: string[] = [];
  if (overview.paused) {
    standing.push(
      overview.pausedUntil === null
        ? 'Your 1:1s are paused: no forms or reminders come until they are resumed.'
        : `Your 1:1s are paused until ${formatLocalDate(overview.pausedUntil, pair.timeZone)}: no forms or reminders come until then, and they start again on their own that day.`,
    );
  }
  if (overview.next) return standing;
  const status = overview.status;
  if (!status) return [...standing, 'Your first meeting is being planned; it will show here in a moment.'];
  if (!overview.paused && status.cycle !== null)
    standing.push(`Meeting ${status.cycle} has taken place; the next one is planned once its follow-up has gone out.`);
  return standing;
}

function skipExplanation(pair: PairRow, viewer: Role, overview: MeetingOverview): string {
  const other = nameOf(pair, otherOf(viewer));
  const which = overview.next
    ? `Meeting ${overview.next.cycle} will not take place`
    : overview.upcomingMeeting === null
      ? 'Your next meeting will not take place'
      : `Meeting ${overview.upcomingMeeting} will not take place`;
  return `${which}; the one after it is at the usual time. ${other} is told by email.`;
}

const dateIn = (instant: number, timeZone: string) => DateTime.fromMillis(instant, { zone: timeZone }).toISODate() ?? '';
const timeIn = (instant: number, timeZone: string) => DateTime.fromMillis(instant, { zone: timeZone }).toFormat('HH:mm');
const dayAfter = (instant: number, timeZone: string, days: number) =>
  DateTime.fromMillis(instant, { zone: timeZone }).startOf('day').plus({ days }).toISODate() ?? '';

export interface MeetingPageInput {
  token: string;
  pair: PairRow;
  viewer: Role;
  overview: MeetingOverview;
  now: number;
  sentBack?: SentBack;
}

/** The page's context: each form with its problem and what was typed, when it was sent back. */
export function meetingPage({ token, pair, viewer, overview, now, sentBack }: MeetingPageInput): MeetingPage {
  const zone = pair.timeZone;
  const base = `/pairs/${token}`;
  const typed = (form: MeetingFormName, name: string, otherwise: string) => (sentBack?.form === form ? (sentBack.typed[name] ?? '') : otherwise);
  const problem = (form: MeetingFormName) => (sentBack?.form === form ? { problem: sentBack.problem } : {});
  const open = !overview.ended;
  const next = overview.next;
  const maxDate = DateTime.fromMillis(now, { zone }).startOf('day').plus({ years: MAX_PAUSE_YEARS }).toISODate() ?? '';
  return {
    title: 'This 1:1',
    intro: `Your 1:1s with ${nameOf(pair, otherOf(viewer))}: ${pair.durationMinutes} minutes${pair.formatNote ? `, ${pair.formatNote}` : ''}. Either of you can skip or move a meeting, or pause while away.`,
    nextMeeting: next ? formatLocal(next.at, zone) : null,
    standing: standingOf(pair, overview),
    timeZone: zone,
    submission: sentBack?.submission ?? newSubmissionId(),
    // While paused, only a meeting after the pause can still be skipped.
    skip:
      open && (!overview.paused || next)
        ? {
            action: `${base}/meeting/skip`,
            meeting: String(next?.cycle ?? overview.upcomingMeeting ?? ''),
            explanation: skipExplanation(pair, viewer, overview),
            reason: typed('skip', 'reason', ''),
            maxLength: MAX_REASON_LENGTH,
            otherName: nameOf(pair, otherOf(viewer)),
            ...problem('skip'),
          }
        : null,
    move:
      open && next
        ? {
            action: `${base}/meeting/move`,
            date: typed('move', 'date', dateIn(next.at, zone)),
            time: typed('move', 'time', timeIn(next.at, zone)),
            minDate: dayAfter(now, zone, 0),
            ...problem('move'),
          }
        : null,
    pause:
      open && !overview.paused
        ? { action: `${base}/meeting/pause`, until: typed('pause', 'until', ''), minDate: dayAfter(now, zone, 1), maxDate, ...problem('pause') }
        : null,
    changes: overview.changes.map((change) => ({
      what: changeText(pair, change),
      when: formatLocal(change.at, zone),
      reason: change.reason,
      noReason: change.kind === 'skipped' && change.reason === null,
    })),
    topicUrl: `${base}/topic`,
    recordUrl: `${base}/record`,
  };
}
