// How pairs read on the terminal: the list, one pair in full, and the outcome of an action.
import type { PairAdmin } from '../pairs/pair-admin';
import type { ImportReport } from '../pairs/pair-import';
import type { StoppedRun } from '../pairs/pair-liveness';
import type { PairStatusView } from '../pairs/pair-status-view';
import { workingDaysText } from '../pairs/working-days';
import type { PairSettings } from '../workflows/pair-types';
import { stageName } from '../pairs/stage-names';
import { describeCadence, fields, localTime, meetingDate, minutesText, person, printable, table, utcTime } from './cli-format';

type PairListing = Awaited<ReturnType<PairAdmin['listPairs']>>[number];
type PairView = Awaited<ReturnType<PairAdmin['showPair']>>;

/** Why and since when a stopped pair's workflow is stopped, e.g. "TERMINATED: ops mistake, since 2026-12-01 22:48 UTC". */
export function stoppedText(stopped: StoppedRun, when: (instant: string) => string = utcTime): string {
  const why = stopped.reason === null ? stopped.status : `${stopped.status}: ${printable(stopped.reason)}`;
  return stopped.stoppedAt === null ? why : `${why}, since ${when(stopped.stoppedAt)}`;
}

/** Each pair's times in its own zone, named, with the machine's beside them where the clocks differ; stages by name. */
export function pairTable(pairs: PairListing[]): string {
  if (pairs.length === 0) return 'No pairs.';
  const rows = pairs.map((pair) => {
    const when = (at: string) => localTime(at, pair.timeZone);
    return [
      pair.pairId,
      person(pair.manager.name, pair.manager.email),
      person(pair.report.name, pair.report.email),
      pair.stopped ? `stopped (${stoppedText(pair.stopped, when)})` : pair.state,
      pair.stage === null ? '-' : stageName(pair.stage),
      pair.meetingAt && pair.state !== 'ended' ? when(pair.meetingAt) : '-',
      pair.nextEvent ? `${stageName(pair.nextEvent.stage)}, ${when(pair.nextEvent.at)}` : '-',
      pair.consecutiveSkips === null ? '-' : String(pair.consecutiveSkips),
    ];
  });
  return table(['PAIR', 'MANAGER', 'REPORT', 'STATE', 'STAGE', 'MEETING', 'NEXT EVENT', 'SKIPS'], rows);
}

function scheduleFields(settings: PairSettings): [string, string][] {
  const { offsets } = settings;
  return [
    ['Schedule', `${describeCadence(settings.cadence)} at ${settings.meetingTime} ${settings.timeZone}, ${settings.durationMinutes} minutes`],
    [
      'Stages',
      `Reflection ${minutesText(offsets.reflectionBefore)} before, Reminder ${minutesText(offsets.reminderBefore)} before, ` +
        `Agenda ${minutesText(offsets.agendaBefore)} before, Follow-up ${minutesText(offsets.followUpAfter)} after`,
    ],
    ['Feedback', `every ${settings.feedbackEveryCycles} meeting(s) held`],
    ['Skip nudge', `after ${settings.skipNudgeAfter} skips in a row`],
    ['Working days', `${workingDaysText(settings.workingDays)} (forms and reminders; the meeting keeps its day)`],
    ['Invites', invitesText(settings.calendarInvites)],
  ];
}

/** Labels stay within the widest one ("Temporal search"), so that the values line up as before. */
function invitesText(calendarInvites: boolean | undefined): string {
  if (calendarInvites === undefined) return "calendar invites as the organisation's default (CALENDAR_INVITES)";
  return calendarInvites ? 'calendar invites for each meeting' : 'no calendar invites';
}

/** Where the cycle stands, as the workflow last wrote it; nothing before its first write. */
function statusFields(status: PairStatusView): [string, string][] {
  if (status.stage === null) return [];
  const zone = status.settings.timeZone;
  const meeting =
    status.meetingAt && status.stage !== 'ended' && status.stage !== 'planning' ? `, for the meeting on ${meetingDate(status.meetingAt, zone)}` : '';
  return [
    // The first stage not done yet: the one the workflow waits for.
    ['Stage', `${stageName(status.stage)} next${meeting}`],
    ['Meeting', status.meetingAt && status.stage !== 'ended' ? localTime(status.meetingAt, zone) : '-'],
    ['Skips in a row', String(status.consecutiveSkips ?? '-')],
    ['Question set', status.questionSetVersion === null ? 'not sent yet' : `version ${status.questionSetVersion}`],
  ];
}

function stateText({ status, stopped }: PairView): string {
  if (stopped) {
    const why = stoppedText(stopped, (at) => localTime(at, status.settings.timeZone));
    return `stopped (${why}): no email goes out until it is restarted (pairs restart ${status.pairId})`;
  }
  if (status.stage === null) return `${status.state} (its workflow has not written its state yet)`;
  return status.state;
}

/** The meetings' times by number, to name a meeting by its date; a number it lacks reads as "an earlier meeting". */
export type MeetingTimes = ReadonlyMap<number, string>;

function statusLists(status: PairStatusView, meetings: MeetingTimes): string[] {
  const zone = status.settings.timeZone;
  const meetingOn = (cycle: number) => {
    const at = meetings.get(cycle);
    return at ? `the meeting on ${meetingDate(at, zone)}` : 'an earlier meeting';
  };
  const lines: string[] = [];
  if (status.nextEvents.length > 0) {
    const heading = status.state === 'paused' ? 'Next events (on hold while paused):' : 'Next events:';
    const names = status.nextEvents.map((event) => stageName(event.stage));
    const width = Math.max(...names.map((name) => name.length));
    lines.push('', heading, ...status.nextEvents.map((event, index) => `  ${names[index].padEnd(width)}  ${localTime(event.at, zone)}`));
  }
  if (status.openActionItems.length > 0) {
    lines.push('', 'Open action items:', ...status.openActionItems.map((item) => `  - ${item.text ?? item.id} (${item.owner}, from ${meetingOn(item.cycle)})`));
  }
  if (status.pendingTopics.length > 0) {
    lines.push('', 'Topics for the next agenda:', ...status.pendingTopics.map((topic) => `  - ${topic.text ?? topic.id} (from the ${topic.by})`));
  }
  return lines;
}

export function pairDetails(view: PairView, meetings: MeetingTimes = new Map()): string {
  const { pair, status, search } = view;
  const settings = status.settings;
  const entries: [string, string][] = [
    ['Pair', pair.id],
    ['Manager', person(pair.managerName, pair.managerEmail)],
    ['Report', person(pair.reportName, pair.reportEmail)],
    ['State', stateText(view)],
    ...scheduleFields(settings),
    ...(pair.formatNote ? [['Format note', pair.formatNote] as [string, string]] : []),
    ...statusFields(status),
    ['Temporal search', search.temporalQuery],
    ['Created', localTime(pair.createdAt, settings.timeZone)],
    ...(pair.endedAt ? [['Ended', localTime(pair.endedAt, settings.timeZone)] as [string, string]] : []),
    ...(view.endReason ? [['End reason', printable(view.endReason)] as [string, string]] : []),
  ];
  return [fields(entries), ...statusLists(status, meetings)].join('\n');
}

/** The per-row report: created rows to stdout, refused rows and file problems as problems, in line order. */
export function importLines(report: ImportReport): { line: number; text: string; refused: boolean }[] {
  const created = report.created.map((row) => ({
    line: row.line,
    text: `Row ${row.line}: created pair ${row.pairId} (${row.manager} and ${row.report})`,
    refused: false,
  }));
  const refused = report.refused.flatMap((row) =>
    row.reasons.map((reason) => ({ line: row.line, text: `Row ${row.line}${row.who ? `, ${row.who}` : ''}: ${reason}`, refused: true })),
  );
  return [...created, ...refused].sort((a, b) => a.line - b.line);
}

export function importSummary(report: ImportReport): string {
  if (report.fileProblems.length > 0) return 'Nothing was imported: fix the file and import it again.';
  const notListed = report.refusedNotListed ?? 0;
  const refused = report.refused.length + notListed;
  const summary = `${report.created.length} pair(s) created, ${refused} row(s) refused.`;
  return notListed > 0 ? `${summary} Only the first ${report.refused.length} refused rows are listed.` : summary;
}
