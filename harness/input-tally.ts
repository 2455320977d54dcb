// Counts of the inputs a property test tried on each target, and how many were rejected or
// answered with a server error, written to .test-results/bad-input-<surface>.json for a report.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type InputOutcome = 'accepted' | 'rejected' | 'server-error';

export interface TargetCounts {
  target: string;
  tried: number;
  rejected: number;
  /** A 5xx; for the CLI, a thrown error or an exit code other than 0, 1 or 2. */
  serverErrors: number;
}

export interface InputTally {
  record(target: string, outcome: InputOutcome): void;
  /** An HTTP answer: 5xx is a server error, 4xx a rejection, anything else accepted. */
  recordStatus(target: string, status: number): void;
  counts(): TargetCounts[];
  /** Writes the counts and returns the file's path. */
  write(): string;
}

export const RESULTS_DIR = join(__dirname, '..', '.test-results');

export function outcomeOfStatus(status: number): InputOutcome {
  if (status >= 500) return 'server-error';
  return status >= 400 ? 'rejected' : 'accepted';
}

export function createInputTally(surface: string): InputTally {
  const byTarget = new Map<string, TargetCounts>();
  const record = (target: string, outcome: InputOutcome) => {
    const counts = byTarget.get(target) ?? { target, tried: 0, rejected: 0, serverErrors: 0 };
    counts.tried += 1;
    if (outcome === 'rejected') counts.rejected += 1;
    if (outcome === 'server-error') counts.serverErrors += 1;
    byTarget.set(target, counts);
  };
  const counts = () => [...byTarget.values()];
  return {
    record,
    recordStatus: (target, status) => record(target, outcomeOfStatus(status)),
    counts,
    write() {
      mkdirSync(RESULTS_DIR, { recursive: true });
      const path = join(RESULTS_DIR, `bad-input-${surface}.json`);
      writeFileSync(path, `${JSON.stringify({ surface, targets: counts() }, null, 2)}\n`);
      return path;
    },
  };
}
