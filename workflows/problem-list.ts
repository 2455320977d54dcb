// What is wrong with a request, problem by problem, and the list of them a person or an API client
// sees: a few, then how many more there were, so that an answer never grows with what was sent.
// Pure: the workflow's validators use it too.

export const MAX_LISTED_PROBLEMS = 20;

/**
 * One thing wrong with a request. The message is the whole sentence and names the field itself
 * ("manager.email "x" is not an email address: …"): it is what the API answers and the CLI prints,
 * and what a page shows beside the field.
 */
export interface Problem {
  /** The input's path, e.g. "manager.email", "cadence.weekday", "reflection.1.text"; null for the request as a whole. */
  readonly field: string | null;
  readonly message: string;
  /** Other inputs a problem between several is about, in the order the message names them. */
  readonly otherFields?: readonly string[];
}

export function problem(field: string | null, message: string, otherFields?: readonly string[]): Problem {
  return otherFields === undefined ? { field, message } : { field, message, otherFields };
}

/** A problem with the request as a whole, or one whose input has no name. */
export const requestProblem = (message: string): Problem => ({ field: null, message });

export const sentencesOf = (problems: readonly Problem[]): string[] => problems.map((listed) => listed.message);

/** Every field a problem is about, its own first. */
export const fieldsOf = (about: Problem): string[] => [...(about.field === null ? [] : [about.field]), ...(about.otherFields ?? [])];

const isText = (value: unknown): value is string => typeof value === 'string';

/** A problem as it comes back from a serialised failure: a message, and a field or null. */
export function isProblem(value: unknown): value is Problem {
  if (typeof value !== 'object' || value === null) return false;
  const { field, message, otherFields } = value as Record<string, unknown>;
  if (!isText(message) || (field !== null && !isText(field))) return false;
  return otherFields === undefined || (Array.isArray(otherFields) && otherFields.every(isText));
}

const moreProblems = (more: number) => `… and ${more.toLocaleString('en-US')} more ${more === 1 ? 'problem' : 'problems'}`;

/** The first `max` problems and, when there were more, one line counting the rest. */
export function listedProblems(problems: readonly string[], max?: number): string[];
export function listedProblems(problems: readonly Problem[], max?: number): Problem[];
export function listedProblems(problems: readonly (string | Problem)[], max = MAX_LISTED_PROBLEMS): (string | Problem)[] {
  if (problems.length <= max) return [...problems];
  const summary = moreProblems(problems.length - max);
  return [...problems.slice(0, max), isText(problems[0]) ? summary : requestProblem(summary)];
}
