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
  if (typeof value === 'number') return Number.isFinite(value) ? null : problem(field, `answer "${quoted(id)}" must be a finite number`);
  if (typeof value !== 'string') return problem(field, `answer "${quoted(id)}" must be text, a number, yes/no or empty`);
  if (value.length > MAX_ANSWER_TEXT_LENGTH) return problem(field, `answer "${quoted(id)}" is longer than ${MAX_ANSWER_TEXT_LENGTH} characters`);
  return null;
}

function actionItemProblems(item: unknown, index: number): Problem[] {
  const at = `actionItems.${index}`;
  if (!isRecord(item)) return [problem(at, `action item ${index + 1} must have text and an owner`)];
  const problems: Problem[] = [];
  const text = typeof item.text === 'string' ? item.text.trim() : '';
  if (text.length === 0) problems.push(problem(`${at}.text`, `action item ${index + 1} needs text`));
  if (text.length > MAX_ACTION_ITEM_LENGTH)
    problems.push(problem(`${at}.text`, `action item ${index + 1} is longer than ${MAX_ACTION_ITEM_LENGTH} characters`));
  if (!ROLES.includes(item.owner as string)) problems.push(problem(`${at}.owner`, `action item ${index + 1} owner must be "report" or "manager"`));
  return problems;
}

function actionItemsProblems(answer: FormAnswer, openActionItems: ActionItemState[]): Problem[] {
  const items: unknown = answer.actionItems ?? [];
  if (!Array.isArray(items)) return [problem('actionItems', 'actionItems must be a list')];
  const problems: Problem[] = [];
  if (items.length > MAX_ACTION_ITEMS) problems.push(problem('actionItems', `at most ${MAX_ACTION_ITEMS} action items per form`));
  items.forEach((item: unknown, index) => problems.push(...actionItemProblems(item, index)));
  const completed: unknown = answer.completedActionItemIds ?? [];
  if (!Array.isArray(completed)) return [...problems, problem('completedActionItemIds', 'completedActionItemIds must be a list')];
  completed.forEach((id: unknown, index) => {
    if (!openActionItems.some((item) => item.id === id)) {
      problems.push(problem(`completedActionItemIds.${index}`, `unknown or already completed action item "${quoted(id)}"`));
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
  if (!Array.isArray(completed)) return [problem('completedActionItemIds', 'completedActionItemIds must be a list')];
  return completed.flatMap((id: unknown, index) =>
    openActionItems.some((item) => item.id === id)
      ? []
      : [problem(`completedActionItemIds.${index}`, `unknown or already completed action item "${quoted(id)}"`)],
  );
}

function addedItemsProblems(message: FormAnswered, openActionItems: ActionItemState[]): Problem[] {
  const added: unknown = message.addedActionItems ?? [];
  if (!Array.isArray(added)) return [problem('addedActionItems', 'addedActionItems must be a list')];
  const problems: Problem[] = [];
  if (added.length > MAX_ACTION_ITEMS) problems.push(problem('addedActionItems', `at most ${MAX_ACTION_ITEMS} action items per form`));
  added.forEach((item: unknown, index) => {
    if (!isRecord(item) || !ROLES.includes(item.owner as string)) {
      problems.push(problem(`addedActionItems.${index}.owner`, `action item ${index + 1} owner must be "report" or "manager"`));
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
  if (!isRecord(message)) return [requestProblem('an answer is required')];
  const problems: Problem[] = [];
  if (!Number.isInteger(message.cycle) || message.cycle < 1) problems.push(problem('cycle', 'cycle must be a whole number of at least 1'));
  if (!Object.keys(FORM_RECIPIENT).includes(message.kind)) problems.push(problem('kind', `unknown form kind "${quoted(message.kind)}"`));
  if (message.meetingHeld !== undefined && typeof message.meetingHeld !== 'boolean') problems.push(problem('meetingHeld', 'meetingHeld must be true or false'));
  const isFollowUp = FOLLOW_UP_FORMS.includes(message.kind);
  if (!isFollowUp && (message.addedActionItems !== undefined || message.completedActionItemIds !== undefined)) {
    return [...problems, problem('addedActionItems', 'only follow-up forms record action items')];
  }
  if (!isFollowUp) return problems;
  return [...problems, ...addedItemsProblems(message, openActionItems), ...completedIdsProblems(message.completedActionItemIds, openActionItems)];
}

function allAnswerProblems(answer: FormAnswer, openActionItems: ActionItemState[]): Problem[] {
  if (!isRecord(answer)) return [requestProblem('an answer is required')];
  const problems: Problem[] = [];
  if (!Number.isInteger(answer.cycle) || answer.cycle < 1) problems.push(problem('cycle', 'cycle must be a whole number of at least 1'));
  if (!Object.keys(FORM_RECIPIENT).includes(answer.kind)) problems.push(problem('kind', `unknown form kind "${quoted(answer.kind)}"`));
  if (!isRecord(answer.answers)) return [...problems, problem('answers', 'answers must be an object of question id to answer')];
  const entries = Object.entries(answer.answers);
  if (entries.length > MAX_ANSWERS) problems.push(problem('answers', `at most ${MAX_ANSWERS} answers per form`));
  for (const [id, value] of entries) {
    const valueProblem = answerValueProblem(id, value);
    if (valueProblem) problems.push(valueProblem);
  }
  const isFollowUp = FOLLOW_UP_FORMS.includes(answer.kind);
  if (!isFollowUp && (answer.actionItems !== undefined || answer.completedActionItemIds !== undefined)) {
    problems.push(problem('actionItems', 'only follow-up forms record action items'));
  }
  if (answer.meetingHeld !== undefined && typeof answer.meetingHeld !== 'boolean') problems.push(problem('meetingHeld', 'meetingHeld must be true or false'));
  if (isFollowUp) problems.push(...actionItemsProblems(answer, openActionItems));
  return problems;
}

const noteIdProblem = (field: string, id: unknown): Problem[] =>
  id === undefined || (typeof id === 'string' && MESSAGE_ID_PATTERN.test(id))
    ? []
    : [problem(field, `${field} must be an id of 1 to 120 letters, digits, ":", "_" or "-"`)];

export function skipProblems(request: SkipRequest): Problem[] {
  if (!isRecord(request)) return [requestProblem('a skip request is required')];
  const problems: Problem[] = [...noteIdProblem('reasonId', request.reasonId)];
  if (![...ROLES, 'admin'].includes(request.by)) problems.push(problem('by', 'by must be "report", "manager" or "admin"'));
  if (request.cycle !== undefined && (!Number.isInteger(request.cycle) || request.cycle < 1))
    problems.push(problem('cycle', 'cycle must be a whole number of at least 1'));
  if (request.reason !== undefined && (typeof request.reason !== 'string' || request.reason.length > MAX_REASON_LENGTH)) {
    problems.push(problem('reason', `reason must be text of at most ${MAX_REASON_LENGTH} characters`));
  }
  return problems;
}

export function rescheduleProblems(request: RescheduleRequest, now: number, followingSlotAt: number): Problem[] {
  const meetingAt = isRecord(request) ? request.meetingAt : undefined;
  if (typeof meetingAt !== 'string' || meetingAt.length > MAX_INSTANT_LENGTH || !ISO_INSTANT.test(meetingAt)) {
    return [problem('meetingAt', 'meetingAt must be an ISO 8601 date and time with an offset, e.g. 2026-03-05T10:00:00+01:00')];
  }
  const at = Date.parse(meetingAt);
  if (Number.isNaN(at)) return [problem('meetingAt', `meetingAt "${meetingAt}" is not a valid date`)];
  if (at <= now) return [problem('meetingAt', 'a meeting cannot be rescheduled into the past')];
  if (request.by !== undefined && !['report', 'manager', 'admin'].includes(request.by)) return [problem('by', 'by must be "report", "manager" or "admin"')];
  if (at >= followingSlotAt) {
    return [problem('meetingAt', `a meeting cannot be rescheduled to or past the next regular meeting (${new Date(followingSlotAt).toISOString()})`)];
  }
  return [];
}

export function scheduleChangeProblems(change: ScheduleChange, current: PairSettings): Problem[] {
  if (!isRecord(change)) return [requestProblem('a schedule change is required')];
  const keys = Object.keys(change);
  if (keys.length === 0) return [requestProblem('nothing to change')];
  const unknown = keys.filter((key) => !SETTING_KEYS.includes(key as keyof PairSettings));
  if (unknown.length > 0) return [requestProblem(`unknown setting(s): ${unknown.join(', ')}`)];
  if (change.offsets !== undefined && !isRecord(change.offsets)) return [problem('offsets', 'offsets must be an object')];
  return settingsProblems(mergeSettings(current, change));
}

const ROLE_OR_ADMIN = ['report', 'manager', 'admin'];
/** The longest absence a pause may name. */
const MAX_PAUSE_DAYS = 366;

export function pauseProblems(request: PauseRequest | undefined, now: number): Problem[] {
  if (request === undefined || request === null) return [];
  if (!isRecord(request)) return [requestProblem('a pause request must be an object')];
  const problems: Problem[] = [];
  if (request.by !== undefined && !ROLE_OR_ADMIN.includes(request.by as string)) problems.push(problem('by', 'by must be "report", "manager" or "admin"'));
  if (request.until === undefined) return problems;
  if (
    typeof request.until !== 'string' ||
    request.until.length > MAX_INSTANT_LENGTH ||
    !ISO_INSTANT.test(request.until) ||
    Number.isNaN(Date.parse(request.until))
  ) {
    return [...problems, problem('until', 'until must be an ISO 8601 date and time with an offset, e.g. 2026-03-05T00:00:00+01:00')];
  }
  const until = Date.parse(request.until);
  if (until <= now) problems.push(problem('until', 'the pause must end in the future'));
  if (until > now + MAX_PAUSE_DAYS * 24 * 3_600_000) problems.push(problem('until', 'a pause for an absence may last at most a year'));
  return problems;
}

export function endProblems(request: EndRequest | undefined): Problem[] {
  if (request === undefined || request === null) return [];
  if (!isRecord(request)) return [requestProblem('an end request must be an object')];
  const problems = noteIdProblem('reasonId', request.reasonId);
  if (request.reason !== undefined && (typeof request.reason !== 'string' || request.reason.length > MAX_REASON_LENGTH)) {
    problems.push(problem('reason', `reason must be text of at most ${MAX_REASON_LENGTH} characters`));
  }
  return problems;
}

export function topicProblems(request: TopicMessage): Problem[] {
  if (!isRecord(request)) return [requestProblem('a topic is required')];
  if (!('text' in request)) {
    const problems = noteIdProblem('topicId', request.topicId);
    if (typeof request.topicId !== 'string') problems.push(problem('topicId', 'topicId is required'));
    if (!ROLES.includes(request.by)) problems.push(problem('by', 'by must be "report" or "manager"'));
    return problems;
  }
  const problems: Problem[] = [];
  const text = typeof request.text === 'string' ? request.text.trim() : '';
  if (text.length === 0) problems.push(problem('text', 'the topic needs text'));
  if (text.length > MAX_TOPIC_LENGTH) problems.push(problem('text', `the topic is longer than ${MAX_TOPIC_LENGTH} characters`));
  if (!ROLES.includes(request.by)) problems.push(problem('by', 'by must be "report" or "manager"'));
  return problems;
}
