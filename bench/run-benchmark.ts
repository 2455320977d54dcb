// `npm run bench -- [--pairs N] [--db sqlite|postgres] [--answers N] [--concurrency N[,N...]] [--years N]
// [--no-long-life]`: a whole company's Monday morning, measured against sending the same mail
// directly. Prints one table (figure, value, target) and writes the same as JSON under bench/results.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runAnswers, type AnswersResult } from './answers';
import { peakRssMiB, startBenchStack, type BenchDatabase } from './bench-stack';
import { runBaseline, runBurst, type BaselineResult, type BurstResult } from './burst';
import { runLongLife, type LongLifeResult } from './long-life';
import { buildProduction } from '../harness/rapport-process';

interface Figure {
  figure: string;
  value: string;
  target: string;
  met: boolean | null;
}

function options() {
  const { values } = parseArgs({
    options: {
      pairs: { type: 'string', default: '1000' },
      db: { type: 'string', default: 'sqlite' },
      answers: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '4,20' },
      years: { type: 'string', default: '5' },
      'no-long-life': { type: 'boolean', default: false },
    },
  });
  const whole = (name: string, value: string | undefined, min: number) => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < min) throw new Error(`--${name} must be a whole number of at least ${min}`);
    return number;
  };
  if (values.db !== 'sqlite' && values.db !== 'postgres') throw new Error('--db must be sqlite or postgres');
  const db: BenchDatabase = values.db === 'postgres' ? 'postgres' : 'sqlite';
  return {
    pairs: whole('pairs', values.pairs, 1),
    db,
    answers: whole('answers', values.answers, 0),
    // A list: the first pass answers the forms, later passes edit the same answers.
    concurrency: (values.concurrency ?? '').split(',').map((value) => whole('concurrency', value.trim(), 1)),
    years: whole('years', values.years, 1),
    longLife: !values['no-long-life'],
  };
}

const seconds = (value: number) => `${value.toFixed(1)} s`;
const ms = (value: number) => `${Math.round(value)} ms`;

function answerFigures(answers: AnswersResult, pass: number): Figure[] {
  const what = pass === 0 ? 'answers' : 'edits';
  return [
    {
      figure: `${what}: ${answers.submissions} at concurrency ${answers.concurrency}, saved page p50/p95/p99`,
      value: `${ms(answers.saved.p50)} / ${ms(answers.saved.p95)} / ${ms(answers.saved.p99)}`,
      target: '',
      met: null,
    },
    {
      figure: `${what}: acknowledged by the workflow p50/p95/p99`,
      value: `${ms(answers.acknowledged.p50)} / ${ms(answers.acknowledged.p95)} / ${ms(answers.acknowledged.p99)}`,
      target: 'p99 ≤ 150 ms',
      met: answers.acknowledged.p99 <= 150,
    },
    {
      figure: `${what}: responses by status`,
      value: Object.entries(answers.statuses)
        .map(([status, count]) => `${status}×${count}`)
        .join(', '),
      target: 'all 200',
      met: Object.keys(answers.statuses).every((status) => status === '200'),
    },
  ];
}

function figures(
  pairs: number,
  burst: BurstResult,
  baseline: BaselineResult,
  answers: AnswersResult[],
  peakRss: number | null,
  longLife: LongLifeResult | null,
): Figure[] {
  const ratio = burst.seconds / baseline.seconds;
  const rows: Figure[] = [
    {
      figure: `burst: ${burst.emails} reflection + prep emails accepted after the due minute`,
      value: `${seconds(burst.seconds)} (${Math.round(burst.emails / burst.seconds)} emails/s)`,
      target: '',
      met: null,
    },
    {
      figure: 'baseline: same emails, nodemailer pool straight to SMTP',
      value: `${seconds(baseline.seconds)} (${Math.round(baseline.emails / baseline.seconds)} emails/s)`,
      target: '',
      met: null,
    },
    {
      figure: 'burst ratio Rapport / baseline',
      value: ratio.toFixed(2),
      target: pairs <= 1000 ? '≤ 1.5 at 1,000 pairs' : 'reported',
      met: pairs <= 1000 ? ratio <= 1.5 : null,
    },
    {
      figure: 'burst emails lost / sent twice',
      value: `${burst.lost} / ${burst.duplicates}`,
      target: '0 / 0',
      met: burst.lost === 0 && burst.duplicates === 0,
    },
    {
      figure: 'worker peak RSS during the burst',
      value: peakRss === null ? 'n/a' : `${peakRss} MiB`,
      target: '≤ 512 MiB at 10,000 pairs',
      met: peakRss === null ? null : peakRss <= 512,
    },
  ];
  answers.forEach((pass, index) => rows.push(...answerFigures(pass, index)));
  if (longLife) {
    rows.push(
      {
        figure: `long life: ${longLife.years} years weekly (${longLife.cycles} cycles, ${longLife.runs} runs), wall time`,
        value: seconds(longLife.wallSeconds),
        target: '',
        met: null,
      },
      {
        figure: 'history events per cycle (mean / max)',
        value: `${longLife.eventsPerCycle.mean} / ${longLife.eventsPerCycle.max}`,
        target: '≤ 50',
        met: longLife.eventsPerCycle.max <= 50,
      },
      { figure: 'largest history of any run', value: String(longLife.largestRunHistory), target: '≤ 500', met: longLife.largestRunHistory <= 500 },
      { figure: 'database rows written per cycle', value: String(longLife.rowsPerCycle), target: '', met: null },
    );
  }
  return rows;
}

function table(rows: Figure[]): string {
  const widths = [
    Math.max(...rows.map((r) => r.figure.length), 6),
    Math.max(...rows.map((r) => r.value.length), 5),
    Math.max(...rows.map((r) => r.target.length), 6),
  ];
  const line = (cells: string[], mark = '') => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |${mark}`;
  return [
    line(['figure', 'value', 'target']),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map((r) => line([r.figure, r.value, r.target], r.met === false ? ' missed' : '')),
  ].join('\n');
}

async function main(): Promise<void> {
  const opts = options();
  const log = (line: string) => console.error(line);
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${opts.db}`;
  log(`benchmark: ${opts.pairs} pairs on ${machine}`);
  log('building dist/ (npm run build): the worker and web service run from it, as in production');
  buildProduction();
  const stack = await startBenchStack(opts.db);
  let burst: BurstResult;
  let baseline: BaselineResult;
  const answers: AnswersResult[] = [];
  let peakRss: number | null;
  try {
    burst = await runBurst(stack, opts.pairs, log);
    log(`burst: ${seconds(burst.seconds)}`);
    baseline = await runBaseline(stack, opts.pairs);
    log(`baseline: ${seconds(baseline.seconds)}`);
    if (opts.answers > 0) {
      const reflectionLinks = stack.smtp.accepted
        .filter((m) => m.formLink && m.to.some((to) => to.startsWith('report-')) && !m.messageId.includes('baseline'))
        .map((m) => m.formLink as string);
      for (const concurrency of opts.concurrency) {
        const pass = await runAnswers(stack, reflectionLinks.slice(0, opts.answers), concurrency);
        log(`answers at concurrency ${concurrency}: p99 acknowledged ${ms(pass.acknowledged.p99)}`);
        answers.push(pass);
      }
    }
    peakRss = peakRssMiB(stack.worker.child.pid);
  } finally {
    await stack.stop();
  }
  const longLife = opts.longLife ? await runLongLife(opts.years, log) : null;
  const rows = figures(opts.pairs, burst, baseline, answers, peakRss, longLife);
  const report = {
    pairs: opts.pairs,
    db: opts.db,
    machine,
    ranAt: new Date().toISOString(),
    figures: rows,
    burst: { ...burst, pairIds: undefined },
    baseline,
    answers,
    peakRssMiB: peakRss,
    longLife,
  };
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `latest-${opts.pairs}-${opts.db}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`Rapport benchmark: ${opts.pairs} pairs, ${machine}\n\n${table(rows)}\n\n(JSON: ${file})`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
