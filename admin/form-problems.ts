// An admin form's problems as its page shows them (http/form-problems.ts, shared with the pages
// behind the links in emails), and the inputs the admin's forms share.
export { formProblems, inputsOf, NO_INPUTS, type InputOf } from '../http/form-problems';

/** The cadence's inputs, the same on the form that adds a pair and the one that changes a schedule. */
export const CADENCE_INPUTS = {
  cadence: 'cadence',
  'cadence.kind': 'cadence',
  'cadence.everyWeeks': 'everyWeeks',
  'cadence.ordinal': 'ordinal',
  'cadence.weekday': 'weekday',
  meetingTime: 'meetingTime',
  durationMinutes: 'durationMinutes',
  feedbackEveryCycles: 'feedbackEveryCycles',
};
