// What the database holds of a pair's workflow state (Pair.state), written by the workflow itself
// in revision order (activities/pair-records.ts recordPairState). Lists and pages read this rather
// than asking every workflow with a Query.
import type { PairStatus } from '../workflows/pair-types';

/** The status the workflow last wrote, or null before its first write. */
export function storedStatusOf(row: { state: string | null }): PairStatus | null {
  if (!row.state) return null;
  try {
    return JSON.parse(row.state) as PairStatus;
  } catch {
    return null;
  }
}
