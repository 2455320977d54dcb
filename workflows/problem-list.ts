// A list of problems as a person or an API client sees it: a few, then how many more there were,
// so that an answer never grows with what was sent. Pure: the workflow's validators use it too.

export const MAX_LISTED_PROBLEMS = 20;

/** The first `max` problems and, when there were more, one line counting the rest. */
export function listedProblems(problems: readonly string[], max = MAX_LISTED_PROBLEMS): string[] {
  if (problems.length <= max) return [...problems];
  const more = problems.length - max;
  return [...problems.slice(0, max), `… and ${more.toLocaleString('en-US')} more ${more === 1 ? 'problem' : 'problems'}`];
}
