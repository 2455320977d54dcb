// Checks on the messages a pair's workflow accepts. Pure functions returning every problem with the
// field it is about, used by the Update validators (and by callers that want to check before sending).
import {
  FOLLOW_UP_FORMS,
  FORM_RECIPIENT,
  MAX_ACTION_ITEM_LENGTH,
  MAX_REASON_LENGTH,
  MAX_TOPIC_LENGTH,
  MAX_OPEN_ACTION_ITEMS,
  ACTION_ITEMS_FULL_PROBLEM,
  MESSAGE_ID_PATTERN,
  isLegacyAnswer,
  type ActionItemState,
  type AnswerMessage,
  type EndRequest,
  type PauseRequest,
  type FormAnswer,
  type FormAnswered,
  type PairSettings,
  type RescheduleRequest,
  type ScheduleChange,
  type SkipRequest,
  type TopicMessage,
} from './pair-types';
import { listedProblems, problem, requestProblem, type Problem } from './problem-list';
import { MAX_QUOTED_LENGTH, quoted } from './quoted';
import { mergeSettings, settingsProblems } from './schedule-rules';

export const MAX_ANSWER_TEXT_LENGTH = 10_000;
const MAX_ANSWERS = 100;
const MAX_ACTION_ITEMS = 50;
const ROLES = ['report', 'manager'];
const SETTING_KEYS: (keyof PairSettings)[] = [
  'cadence',
  'meetingTime',
  'durationMinutes',
  'timeZone',
  'offsets',
  'feedbackEveryCycles',
  'skipNudgeAfter',
  'workingDays',
  'calendarInvites',
];
/** An instant with an explicit offset, so that "10:00" is never read in the server's zone. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
/** Room for nanoseconds and an offset; a longer value is refused before the pattern sees it. */
const MAX_INSTANT_LENGTH = 40;

export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The answer's field; a key too long to quote whole is named by its list, so that no problem grows with the input. */
function answerField(id: string): string {
  return id.length <= MAX_QUOTED_LENGTH ? `answers.${id}` : 'answers';
}

function answerValueProblem(id: string, value: unknown): Problem | null {
  if (value === null || typeof value === 'boolean') return null;
  const field = answerField(id);
  if (typeof value === 'number') return Number.isFinite(value) ? null : problem(field, `The answer to "${quoted(id)}" must be a number`);
  if (typeof value !== 'string') return problem(field, `The answer to "${quoted(id)}" must be text, a number, yes or no, or nothing`);
  if (value.length > MAX_ANSWER_TEXT_LENGTH) return problem(field, `The answer to "${quoted(id)}" is too long: at most ${MAX_ANSWER_TEXT_LENGTH} characters`);
  return null;
}

function actionItemProblems(item: unknown, index: number): Problem[] {
  const at = `actionItems.${index}`;
  if (!isRecord(item)) return [problem(at, `Action item ${index + 1} needs text and an owner`)];
  const problems: Problem[] = [];
  const text = typeof item.text === 'string' ? item.text.trim() : '';
  if (text.length === 0) problems.push(problem(`${at}.text`, `Action item ${index + 1} needs text`));
  if (text.length > MAX_ACTION_ITEM_LENGTH)
    problems.push(problem(`${at}.text`, `Action item ${index + 1} is too long: at most ${MAX_ACTION_ITEM_LENGTH} characters`));
  if (!ROLES.includes(item.owner as string)) problems.push(problem(`${at}.owner`, `Action item ${index + 1} needs an owner: the report or the manager`));
  return problems;
}

function actionItemsProblems(answer: FormAnswer, openActionItems: ActionItemState[]): Problem[] {
  const items: unknown = answer.actionItems ?? [];
  if (!Array.isArray(items)) return [problem('actionItems', 'Action items must be a list')];
  const problems: Problem[] = [];
  if (items.length > MAX_ACTION_ITEMS) problems.push(problem('actionItems', `A form records at most ${MAX_ACTION_ITEMS} action items`));
  items.forEach((item: unknown, index) => problems.push(...actionItemProblems(item, index)));
  const completed: unknown = answer.completedActionItemIds ?? [];
  if (!Array.isArray(completed)) return [...problems, problem('completedActionItemIds', 'The action items done must be a list')];
  completed.forEach((id: unknown, index) => {
    if (!openActionItems.some((item) => item.id === id)) {
      problems.push(problem(`completedActionItemIds.${index}`, `Action item "${quoted(id)}" is unknown or already done`));
    }
  });
  return problems;
}

/** Every problem with an answer, at most a few listed (see listedProblems). */
export function answerProblems(answer: FormAnswer, openActionItems: ActionItemState[]): Problem[] {
  return listedProblems(allAnswerProblems(answer, openActionItems));
}

/** Every problem with an answerForm Update, in today's shape or the one older senders used. */
export function answerMessageProblems(message: AnswerMessage, openActionItems: ActionItemState[]): Problem[] {
  if (isRecord(message) && isLegacyAnswer(message)) return answerProblems(message, openActionItems);
  return listedProblems(allAnsweredProblems(message, openActionItems));
}

function completedIdsProblems(completed: unknown, openActionItems: ActionItemState[]): Problem[] {
  if (completed === undefined) return [];
  if (!Array.isArray(completed)) return [problem('completedActionItemIds', 'The action items done must be a list')];
  return completed.flatMap((id: unknown, index) =>
    openActionItems.some((item) => item.id === id)
      ? []
      : [problem(`completedActionItemIds.${index}`, `Action item "${quoted(id)}" is unknown or already done`)],
  );
}

function addedItemsProblems(message: FormAnswered, openActionItems: ActionItemState[]): Problem[] {
  const added: unknown = message.addedActionItems ?? [];
  if (!Array.isArray(added)) return [problem('addedActionItems', 'Action items must be a list')];
  const problems: Problem[] = [];
  if (added.length > MAX_ACTION_ITEMS) problems.push(problem('addedActionItems', `A form records at most ${MAX_ACTION_ITEMS} action items`));
  added.forEach((item: unknown, index) => {
    if (!isRecord(item) || !ROLES.includes(item.owner as string)) {
      problems.push(problem(`addedActionItems.${index}.owner`, `Action item ${index + 1} needs an owner: the report or the manager`));
    }
  });
  const completed = Array.isArray(message.completedActionItemIds) ? message.completedActionItemIds.length : 0;
  // An edit of this form replaces the items it agreed before, so those do not count twice.
  const fromThisForm = openActionItems.filter((item) => item.id.includes(`:${message.cycle}:${message.kind}:`)).length;
  if (openActionItems.length - fromThisForm - completed + added.length > MAX_OPEN_ACTION_ITEMS)
    problems.push(problem('addedActionItems', ACTION_ITEMS_FULL_PROBLEM));
  return problems;
}

function allAnsweredProblems(message: FormAnswered, openActionItems: ActionItemState[]): Problem[] {
  if (!isRecord(message)) return [requestProblem('An answer is required')];
  const problems: Problem[] = [];
  if (!Number.isInteger(message.cycle) || message.cycle < 1) problems.push(problem('cycle', 'The meeting number (cycle) must be a whole number of at least 1'));
  if (!Object.keys(FORM_RECIPIENT).includes(message.kind)) problems.push(problem('kind', `There is no form called "${quoted(message.kind)}"`));
  if (message.meetingHeld !== undefined && typeof message.meetingHeld !== 'boolean')
    problems.push(problem('meetingHeld', 'Whether the meeting took place must be yes or no (true or false)'));
  const isFollowUp = FOLLOW_UP_FORMS.includes(message.kind);
  if (!isFollowUp && (message.addedActionItems !== undefined || message.completedActionItemIds !== undefined)) {
    return [...problems, problem('addedActionItems', 'Only the follow-up form records action items')];
  }
  if (!isFollowUp) return problems;
  return [...problems, ...addedItemsProblems(message, openActionItems), ...completedIdsProblems(message.completedActionItemIds, openActionItems)];
}

function allAnswerProblems(answer: FormAnswer, openActionItems: ActionItemState[]): Problem[] {
  if (!isRecord(answer)) return [requestProblem('An answer is required')];
  const problems: Problem[] = [];
  if (!Number.isInteger(answer.cycle) || answer.cycle < 1) problems.push(problem('cycle', 'The meeting number (cycle) must be a whole number of at least 1'));
  if (!Object.keys(FORM_RECIPIENT).includes(answer.kind)) problems.push(problem('kind', `There is no form called "${quoted(answer.kind)}"`));
  if (!isRecord(answer.answers)) return [...problems, problem('answers', 'Answers must be given by question id, one answer each')];
  const entries = Object.entries(answer.answers);
  if (entries.length > MAX_ANSWERS) problems.push(problem('answers', `A form has at most ${MAX_ANSWERS} answers`));
  for (const [id, value] of entries) {
    const valueProblem = answerValueProblem(id, value);
    if (valueProblem) problems.push(valueProblem);
  }
  const isFollowUp = FOLLOW_UP_FORMS.includes(answer.kind);
  if (!isFollowUp && (answer.actionItems !== undefined || answer.completedActionItemIds !== undefined)) {
    problems.push(problem('actionItems', 'Only the follow-up form records action items'));
  }
  if (answer.meetingHeld !== undefined && typeof answer.meetingHeld !== 'boolean')
    problems.push(problem('meetingHeld', 'Whether the meeting took place must be yes or no (true or false)'));
  if (isFollowUp) problems.push(...actionItemsProblems(answer, openActionItems));
  return problems;
}

const noteIdProblem = (field: string, id: unknown): Problem[] =>
  id === undefined || (typeof id === 'string' && MESSAGE_ID_PATTERN.test(id))
    ? []
    : [problem(field, 'An id must be 1 to 120 letters, digits, ":", "_" or "-"')];

export function skipProblems(request: SkipRequest): Problem[] {
  if (!isRecord(request)) return [requestProblem('A skip request is required')];
  const problems: Problem[] = [...noteIdProblem('reasonId', request.reasonId)];
  if (![...ROLES, 'admin'].includes(request.by))
    problems.push(problem('by', 'Who asks must be the report, the manager or an admin ("report", "manager" or "admin")'));
  if (request.cycle !== undefined && (!Number.isInteger(request.cycle) || request.cycle < 1))
    problems.push(problem('cycle', 'The meeting number (cycle) must be a whole number of at least 1'));
  if (request.reason !== undefined && (typeof request.reason !== 'string' || request.reason.length > MAX_REASON_LENGTH)) {
    problems.push(problem('reason', `The reason must be text of at most ${MAX_REASON_LENGTH} characters`));
  }
  return problems;
}

export function rescheduleProblems(request: RescheduleRequest, now: number, followingSlotAt: number): Problem[] {
  const meetingAt = isRecord(request) ? request.meetingAt : undefined;
  if (typeof meetingAt !== 'string' || meetingAt.length > MAX_INSTANT_LENGTH || !ISO_INSTANT.test(meetingAt)) {
    return [problem('meetingAt', 'The new meeting time must be a date and time with its offset from UTC, like 2026-03-05T10:00:00+01:00')];
  }
  const at = Date.parse(meetingAt);
  if (Number.isNaN(at)) return [problem('meetingAt', `There is no such date: ${meetingAt}`)];
  if (at <= now) return [problem('meetingAt', 'A meeting cannot be rescheduled into the past')];
  if (request.by !== undefined && !['report', 'manager', 'admin'].includes(request.by))
    return [problem('by', 'Who asks must be the report, the manager or an admin ("report", "manager" or "admin")')];
  if (at >= followingSlotAt) {
    return [problem('meetingAt', `A meeting cannot be rescheduled to or past the next regular meeting (${new Date(followingSlotAt).toISOString()})`)];
  }
  return [];
}

export function scheduleChangeProblems(change: ScheduleChange, current: PairSettings): Problem[] {
  if (!isRecord(change)) return [requestProblem('A schedule change is required')];
  const keys = Object.keys(change);
  if (keys.length === 0) return [requestProblem('Nothing to change: no setting was given')];
  const unknown = keys.filter((key) => !SETTING_KEYS.includes(key as keyof PairSettings));
  if (unknown.length > 0) return [requestProblem(`Unknown setting(s): ${unknown.join(', ')}`)];
  if (change.offsets !== undefined && !isRecord(change.offsets))
    return [problem('offsets', 'The times the forms go out (offsets) must be given as minutes by stage')];
  return settingsProblems(mergeSettings(current, change));
}

const ROLE_OR_ADMIN = ['report', 'manager', 'admin'];
/** The longest absence a pause may name. */
const MAX_PAUSE_DAYS = 366;

export function pauseProblems(request: PauseRequest | undefined, now: number): Problem[] {
  if (request === undefined || request === null) return [];
  if (!isRecord(request)) return [requestProblem('A pause request must be an object')];
  const problems: Problem[] = [];
  if (request.by !== undefined && !ROLE_OR_ADMIN.includes(request.by as string))
    problems.push(problem('by', 'Who asks must be the report, the manager or an admin ("report", "manager" or "admin")'));
  if (request.until === undefined) return problems;
  if (
    typeof request.until !== 'string' ||
    request.until.length > MAX_INSTANT_LENGTH ||
    !ISO_INSTANT.test(request.until) ||
    Number.isNaN(Date.parse(request.until))
  ) {
    return [...problems, problem('until', 'The end of the pause must be a date and time with its offset from UTC, like 2026-03-05T00:00:00+01:00')];
  }
  const until = Date.parse(request.until);
  if (until <= now) problems.push(problem('until', 'The pause must end in the future'));
  if (until > now + MAX_PAUSE_DAYS * 24 * 3_600_000) problems.push(problem('until', 'A pause for an absence may last at most a year'));
  return problems;
}

export function endProblems(request: EndRequest | undefined): Problem[] {
  if (request === undefined || request === null) return [];
  if (!isRecord(request)) return [requestProblem('An end request must be an object')];
  const problems = noteIdProblem('reasonId', request.reasonId);
  if (request.reason !== undefined && (typeof request.reason !== 'string' || request.reason.length > MAX_REASON_LENGTH)) {
    problems.push(problem('reason', `The reason must be text of at most ${MAX_REASON_LENGTH} characters`));
  }
  return problems;
}

export function topicProblems(request: TopicMessage): Problem[] {
  if (!isRecord(request)) return [requestProblem('A topic is required')];
  if (!('text' in request)) {
    const problems = noteIdProblem('topicId', request.topicId);
    if (typeof request.topicId !== 'string') problems.push(problem('topicId', 'The topic’s id is required'));
    if (!ROLES.includes(request.by)) problems.push(problem('by', 'Who adds the topic must be the report or the manager ("report" or "manager")'));
    return problems;
  }
  const problems: Problem[] = [];
  const text = typeof request.text === 'string' ? request.text.trim() : '';
  if (text.length === 0) problems.push(problem('text', 'The topic needs text'));
  if (text.length > MAX_TOPIC_LENGTH) problems.push(problem('text', `The topic is too long: at most ${MAX_TOPIC_LENGTH} characters`));
  if (!ROLES.includes(request.by)) problems.push(problem('by', 'Who adds the topic must be the report or the manager ("report" or "manager")'));
  return problems;
}
