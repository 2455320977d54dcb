// How pairs read on the terminal: the list, one pair in full, and the outcome of an action.
import type { PairAdmin } from '../pairs/pair-admin';
import type { ImportReport } from '../pairs/pair-import';
import type { StoppedRun } from '../pairs/pair-liveness';
import type { PairStatusView } from '../pairs/pair-status-view';
import { workingDaysText } from '../pairs/working-days';
import type { PairSettings } from '../workflows/pair-types';
import { describeCadence, fields, localTime, minutesText, person, printable, table, utcTime } from './cli-format';

type PairListing = Awaited<ReturnType<PairAdmin['listPairs']>>[number];
type PairView = Awaited<ReturnType<PairAdmin['showPair']>>;

/** Why and since when a stopped pair's workflow is stopped, e.g. "TERMINATED: ops mistake, since 2026-12-01 22:48 UTC". */
export function stoppedText(stopped: StoppedRun, when: (instant: string) => string = utcTime): string {
  const why = stopped.reason === null ? stopped.status : `${stopped.status}: ${printable(stopped.reason)}`;
  return stopped.stoppedAt === null ? why : `${why}, since ${when(stopped.stoppedAt)}`;
}

export function pairTable(pairs: PairListing[]): string {
  if (pairs.length === 0) return 'No pairs.';
  const rows = pairs.map((pair) => [
    pair.pairId,
    person(pair.manager.name, pair.manager.email),
    person(pair.report.name, pair.report.email),
    pair.stopped ? `stopped (${stoppedText(pair.stopped)})` : pair.state,
    pair.stage ?? '-',
    pair.cycle === null ? '-' : String(pair.cycle),
    pair.nextEvent ? `${pair.nextEvent.stage} ${utcTime(pair.nextEvent.at)}` : '-',
    pair.consecutiveSkips === null ? '-' : String(pair.consecutiveSkips),
  ]);
  return table(['PAIR', 'MANAGER', 'REPORT', 'STATE', 'STAGE', 'CYCLE', 'NEXT EVENT', 'SKIPS'], rows);
}

function scheduleFields(settings: PairSettings): [string, string][] {
  const { offsets } = settings;
  return [
    ['Schedule', `${describeCadence(settings.cadence)} at ${settings.meetingTime} ${settings.timeZone}, ${settings.durationMinutes} minutes`],
    [
      'Stages',
      `reflection ${minutesText(offsets.reflectionBefore)} before, reminder ${minutesText(offsets.reminderBefore)} before, ` +
        `agenda ${minutesText(offsets.agendaBefore)} before, follow-up ${minutesText(offsets.followUpAfter)} after`,
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
  return [
    ['Stage', `${status.stage}${status.cycle === null ? '' : `, cycle ${status.cycle}`}`],
    ['Meeting', status.meetingAt ? localTime(status.meetingAt, zone) : '-'],
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

function statusLists(status: PairStatusView): string[] {
  const zone = status.settings.timeZone;
  const lines: string[] = [];
  if (status.nextEvents.length > 0) {
    const heading = status.state === 'paused' ? 'Next events (on hold while paused):' : 'Next events:';
    lines.push('', heading, ...status.nextEvents.map((event) => `  ${event.stage.padEnd(10)}  ${localTime(event.at, zone)}`));
  }
  if (status.openActionItems.length > 0) {
    lines.push('', 'Open action items:', ...status.openActionItems.map((item) => `  - ${item.text ?? item.id} (${item.owner}, from cycle ${item.cycle})`));
  }
  if (status.pendingTopics.length > 0) {
    lines.push('', 'Topics for the next agenda:', ...status.pendingTopics.map((topic) => `  - ${topic.text ?? topic.id} (from the ${topic.by})`));
  }
  return lines;
}

export function pairDetails(view: PairView): string {
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
  ];
  return [fields(entries), ...statusLists(status)].join('\n');
}

/** The per-row report: created rows to stdout, refused rows and file problems as problems, in line order. */
export function importLines(report: ImportReport): { line: number; text: string; refused: boolean }[] {
  const created = report.created.map((row) => ({
    line: row.line,
    text: `line ${row.line}: created pair ${row.pairId} (${row.manager} and ${row.report})`,
    refused: false,
  }));
  const refused = report.refused.flatMap((row) => row.reasons.map((reason) => ({ line: row.line, text: `line ${row.line}: ${reason}`, refused: true })));
  return [...created, ...refused].sort((a, b) => a.line - b.line);
}

export function importSummary(report: ImportReport): string {
  if (report.fileProblems.length > 0) return 'Nothing was imported: fix the file and import it again.';
  const notListed = report.refusedNotListed ?? 0;
  const refused = report.refused.length + notListed;
  const summary = `${report.created.length} pair(s) created, ${refused} row(s) refused.`;
  return notListed > 0 ? `${summary} Only the first ${report.refused.length} refused rows are listed.` : summary;
}
