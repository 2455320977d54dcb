// A submission id names one submission of a form or one API request, and makes the id of the Update
// it sends: a request sent twice (a double click, a retry after a timeout) is applied once, since
// Temporal answers a repeated update id with the first outcome instead of running it again.
import { randomUUID } from 'node:crypto';

const SUBMISSION_ID = /^[A-Za-z0-9_-]{8,64}$/;

export const newSubmissionId = (): string => randomUUID();

/** The id a form or a request carried when it is well-formed, else a new one (which dedupes nothing). */
export function submissionIdOf(carried: unknown): string {
  return typeof carried === 'string' && SUBMISSION_ID.test(carried) ? carried : newSubmissionId();
}

/** The Update's id for one kind of message sent by one submission. */
export const updateIdFor = (message: string, submissionId: string): string => `${message}-${submissionId}`;
