// What a viewer may see of a pair's answers. The report can mark an answer private: it is theirs,
// and the manager never sees it, neither on the agenda nor on the record. Admins run the pairs and
// see everything, private answers flagged as such. Feedback the report chose to share only pooled
// with the manager's other reports' feedback is shown by name to nobody but the report: it counts
// in the manager's pooled summary alone (feedback-pool.ts), not on a record, a history or a CSV.
import type { Role } from '../workflows/pair-types';

/** Who is looking: one of the pair (their agenda, their record page), or an admin. */
export type Viewer = Role | 'admin';

/** What privacy needs to know of an answer to one question. */
export interface AnswerPrivacy {
  respondent: Role;
  private: boolean;
  /** Feedback shared only in the manager's pooled summary; absent means no. */
  pooled?: boolean;
}

export function mayView(viewer: Viewer, answer: AnswerPrivacy): boolean {
  if (answer.pooled) return viewer === answer.respondent;
  if (!answer.private) return true;
  return !(answer.respondent === 'report' && viewer === 'manager');
}

/** The answers a viewer may see, in their order. */
export function visibleTo<T extends AnswerPrivacy>(viewer: Viewer, answers: readonly T[]): T[] {
  return answers.filter((answer) => mayView(viewer, answer));
}
