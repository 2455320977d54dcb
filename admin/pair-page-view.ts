// What a pair's page leads with, read from what the admin service answers: the pair's state, the
// next meeting and its stages, this meeting's forms, open action items, undelivered emails, the
// actions that apply now, and the history. Times read in the pair's zone with the zone named, and
// the admin's own beside them where the clocks differ; stages and meetings by name and date.
import { localInputValue, readableDate, readableInstant } from '../pairs/local-time';
import type { PairAdmin } from '../pairs/pair-admin';
import type { PairHistory, TimelineCycle } from '../pairs/pair-history';
import { emailName, formName, stageName } from '../pairs/stage-names';
import type { AdminPairPage } from '../templates/page-contexts';

type PairView = Awaited<ReturnType<PairAdmin['showPair']>>;

/** The actions a pair's page can post, by the state they apply in. */
export const PAGE_ACTIONS = ['pause', 'resume', 'skip', 'restart'] as const;
export type PageAction = (typeof PAGE_ACTIONS)[number] | 'end';

const ACTION_LABELS: Record<(typeof PAGE_ACTIONS)[number], string> = {
  pause: 'Pause',
  resume: 'Resume',
  skip: 'Skip the next meeting',
  restart: 'Restart the workflow',
};

const STATE_NAMES: Record<string, string> = { active: 'running', paused: 'paused', ended: 'ended', stopped: 'stopped' };

type PageView = Pick<
  AdminPairPage,
  'state' | 'ended' | 'nextMeeting' | 'thisMeeting' | 'openActionItems' | 'undeliveredEmails' | 'actions' | 'canEnd' | 'timeline' | 'reschedule'
>;

/** The times of one pair as its page shows them. */
function timesOf(pairZone: string, adminZone: string) {
  return {
    at: (instant: string | Date) => readableInstant(instant, pairZone, adminZone),
    date: (instant: string | Date) => readableDate(instant, pairZone),
  };
}

/** The actions that apply: pause only when running, resume only when paused, skip only with a meeting to skip, restart only when stopped. */
function actionsOf(state: string, hasMeeting: boolean): (typeof PAGE_ACTIONS)[number][] {
  if (state === 'stopped') return ['restart'];
  if (state === 'active') return hasMeeting ? ['pause', 'skip'] : ['pause'];
  if (state === 'paused') return hasMeeting ? ['resume', 'skip'] : ['resume'];
  return [];
}

function stateOf(view: PairView, meetingDate: string | null): PageView['state'] {
  const { status } = view;
  const name = STATE_NAMES[status.state] ?? status.state;
  const skips = status.consecutiveSkips ? `${status.consecutiveSkips} skipped in a row` : null;
  if (status.state === 'ended') return { name, stage: null, skips: null };
  if (status.stage === null) return { name, stage: 'its workflow has not written its state yet', skips };
  if (status.stage === 'planning') return { name, stage: 'planning the next meeting', skips };
  if (meetingDate === null) return { name, stage: `next: ${stageName(status.stage)}`, skips };
  // The stage a status names is the first one not done yet: the one it waits for.
  return { name, stage: `next: ${stageName(status.stage)}, for the meeting on ${meetingDate}`, skips };
}

function thisMeetingOf(cycle: TimelineCycle | undefined, personOf: (role: string) => string, at: (instant: string) => string): PageView['thisMeeting'] {
  if (!cycle) return null;
  return {
    forms: cycle.forms.map((form) => ({
      name: formName(form.kind),
      person: personOf(form.recipient),
      answered: form.answered,
      state: form.answeredAt ? `answered ${at(form.answeredAt)}` : form.closedAt ? 'not answered; closed' : 'not answered yet',
    })),
  };
}

const OUTCOME_NAMES: Record<string, string> = { 'not-held': 'not held' };

export function pairPageView(view: PairView, history: PairHistory, adminZone: string): PageView {
  const { pair, status } = view;
  const times = timesOf(pair.timeZone, adminZone);
  const meetingAtOf = new Map(history.timeline.map((cycle) => [cycle.number, cycle.meetingAt]));
  const meetingOn = (cycle: number) => {
    const at = meetingAtOf.get(cycle);
    return at ? times.date(at) : 'a meeting not recorded yet';
  };
  const personOf = (role: string) => (role === 'report' ? `${pair.reportName} (report)` : `${pair.managerName} (manager)`);
  const live = status.state === 'active' || status.state === 'paused';
  const hasMeeting = live && status.meetingAt !== null;
  const current = status.cycle === null ? undefined : history.timeline.find((cycle) => cycle.number === status.cycle);
  return {
    state: stateOf(view, status.meetingAt && status.stage !== 'ended' ? times.date(status.meetingAt) : null),
    ended: status.state === 'ended' ? { at: pair.endedAt ? times.at(pair.endedAt) : null, reason: view.endReason } : null,
    nextMeeting:
      hasMeeting && status.meetingAt
        ? {
            at: times.at(status.meetingAt),
            onHold: status.state === 'paused',
            stages: status.nextEvents.map((event) => ({ name: stageName(event.stage), at: times.at(event.at) })),
          }
        : null,
    thisMeeting: live ? thisMeetingOf(current, personOf, times.at) : null,
    openActionItems: status.openActionItems.map((item) => ({ text: item.text ?? item.id, owner: personOf(item.owner), from: meetingOn(item.cycle) })),
    undeliveredEmails: view.undeliveredEmails.map((email) => ({
      meeting: meetingOn(email.cycleNumber),
      email: emailName(email.stage),
      recipient: personOf(email.recipientRole),
      toAddress: email.toAddress,
      lastError: email.lastError,
    })),
    actions: actionsOf(status.state, hasMeeting).map((action) => ({ action, label: ACTION_LABELS[action] })),
    canEnd: live,
    // Newest first: the page is read for what happened lately.
    timeline: [...history.timeline].reverse().map((cycle) => ({
      meeting: times.date(cycle.meetingAt),
      outcome: `${OUTCOME_NAMES[cycle.status] ?? cycle.status}${cycle.skipReason ? ` (${cycle.skipReason})` : ''}`,
      forms: cycle.forms.map((form) => `${formName(form.kind)}${form.answered ? ' ✓' : ''}`).join(', '),
      actionItems: cycle.actionItems.length,
    })),
    reschedule: { meetingAt: status.meetingAt ? localInputValue(status.meetingAt, pair.timeZone) : '' },
  };
}
