// The fault suite's report: one table of what each scenario expected, delivered, duplicated and
// lost, and one of the bad-input tallies the property tests leave in .test-results/, as Markdown
// (for the terminal and the README) and as JSON.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { RESULTS_DIR, type TargetCounts } from '../harness/input-tally';
import type { ScenarioResult, Scale } from './scenarios';

export interface BadInputSurface {
  surface: string;
  targets: TargetCounts[];
}

export interface FaultReport {
  at: string;
  machine: string;
  scale: Scale;
  database: string;
  /** The Temporal the scenarios ran on: the dev server or a real cluster. */
  temporal: string;
  results: ScenarioResult[];
  badInput: BadInputSurface[];
}

export const LATEST_REPORT = join(__dirname, 'results', 'latest.json');
/** A run on the Temporal cluster (--temporal cluster) is written beside the dev server's, not over it. */
export const LATEST_CLUSTER_REPORT = join(__dirname, 'results', 'latest-cluster.json');

const cell = (value: number | null) => (value === null ? '–' : value.toLocaleString('en-GB'));

export function machineDescription(): string {
  return `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
}

export function faultTable(results: ScenarioResult[]): string {
  const lines = ['| scenario | what | expected | delivered | duplicated | lost | notes |', '|---|---|---|---|---|---|---|'];
  for (const result of results) {
    for (const [index, row] of result.rows.entries()) {
      const notes = index === 0 ? [...result.notes, ...result.problems.map((problem) => `**${problem}**`)].join('; ') : '';
      lines.push(
        `| ${index === 0 ? result.scenario : ''} | ${row.what} | ${cell(row.expected)} | ${cell(row.delivered)} | ${cell(row.duplicated)} | ${cell(row.lost)} | ${notes} |`,
      );
    }
  }
  return lines.join('\n');
}

export function submissionTable(results: ScenarioResult[]): string {
  const withAnswers = results.filter((result) => result.submissions !== null);
  if (withAnswers.length === 0) return '';
  const lines = ['| scenario | answers posted | saved page | "not saved" page (503) | connection cut | other |', '|---|---|---|---|---|---|'];
  for (const { scenario, submissions } of withAnswers) {
    if (!submissions) continue;
    const other =
      Object.entries(submissions.other)
        .map(([status, count]) => `${count} × ${status}`)
        .join(', ') || '0';
    lines.push(
      `| ${scenario} | ${cell(submissions.tried)} | ${cell(submissions.saved)} | ${cell(submissions.notSaved)} | ${cell(submissions.noAnswer)} | ${other} |`,
    );
  }
  return lines.join('\n');
}

/** The tallies the bad-input property tests wrote, surface by surface; empty when there are none. */
export function readBadInput(dir = RESULTS_DIR): BadInputSurface[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /^bad-input-.+\.json$/.test(name))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as BadInputSurface);
}

const NO_TALLIES = 'No bad-input tallies in .test-results/: run `npm test` (or `npm test -- test/bad-input-*.test.ts`) first.';

/** One line per surface: the sums over its targets. */
export function badInputSummary(surfaces: BadInputSurface[]): string {
  if (surfaces.length === 0) return NO_TALLIES;
  const lines = ['| surface | targets | inputs tried | rejected | 5xx |', '|---|---|---|---|---|'];
  for (const { surface, targets } of surfaces) {
    const sum = (pick: (t: TargetCounts) => number) => targets.reduce((total, target) => total + pick(target), 0);
    lines.push(`| ${surface} | ${targets.length} | ${cell(sum((t) => t.tried))} | ${cell(sum((t) => t.rejected))} | ${cell(sum((t) => t.serverErrors))} |`);
  }
  return lines.join('\n');
}

export function badInputTable(surfaces: BadInputSurface[]): string {
  if (surfaces.length === 0) return NO_TALLIES;
  const lines = ['| surface | target | inputs tried | rejected | 5xx |', '|---|---|---|---|---|'];
  for (const { surface, targets } of surfaces) {
    for (const target of targets)
      lines.push(`| ${surface} | ${target.target} | ${cell(target.tried)} | ${cell(target.rejected)} | ${cell(target.serverErrors)} |`);
  }
  const total = (pick: (t: TargetCounts) => number) => surfaces.flatMap((s) => s.targets).reduce((sum, t) => sum + pick(t), 0);
  lines.push(`| all | | ${cell(total((t) => t.tried))} | ${cell(total((t) => t.rejected))} | ${cell(total((t) => t.serverErrors))} |`);
  return lines.join('\n');
}

export function writeReport(report: FaultReport, path = LATEST_REPORT): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}
