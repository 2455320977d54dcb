// `npm run bench -- [--pairs N] [--db sqlite|postgres] [--temporal dev|cluster] [--answers N]
// [--concurrency N[,N...]] [--years N] [--no-long-life] [--repeat N | --quick] [--no-build]`: a whole
// company's Monday morning, measured against sending the same mail directly, N times on fresh stacks
// (burst, baseline, burst, baseline, …). Prints the figures' medians and spreads beside their
// targets, where the CPU went, and the worker's own latencies; writes the same, with every repeat's
// raw numbers, as JSON under bench/results. `--temporal cluster` runs on a real Temporal cluster
// (harness/temporal-cluster.ts) with the application's database on the cluster's PostgreSQL.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchDatabase } from './bench-stack';
import { cpuTable, figures, figuresTable, renderTable, summarise, workerMetricsTable } from './figures';
import { runLongLife } from './long-life';
import { runRepeat, type RepeatResult } from './repeat';
import { buildProduction } from '../harness/rapport-process';
import { temporalUnderTest } from '../harness/temporal-under-test';

const DEFAULT_REPEATS = 3;

function options() {
  const { values } = parseArgs({
    options: {
      pairs: { type: 'string', default: '1000' },
      db: { type: 'string' },
      temporal: { type: 'string' },
      answers: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '4,20' },
      years: { type: 'string', default: '5' },
      repeat: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'no-long-life': { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
    },
  });
  const whole = (name: string, value: string | undefined, min: number) => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < min) throw new Error(`--${name} must be a whole number of at least ${min}`);
    return number;
  };
  // RAPPORT_TEMPORAL=cluster works too, as for the tests and the fault suite.
  const temporal = temporalUnderTest(values.temporal === undefined ? [] : ['--temporal', values.temporal]);
  // On the cluster the application's database is on the cluster's PostgreSQL.
  const chosenDb = values.db ?? (temporal === 'cluster' ? 'postgres' : 'sqlite');
  if (chosenDb !== 'sqlite' && chosenDb !== 'postgres') throw new Error('--db must be sqlite or postgres');
  if (temporal === 'cluster' && chosenDb !== 'postgres')
    throw new Error("--temporal cluster keeps the application's database on the cluster's PostgreSQL: leave out --db sqlite");
  if (values.quick && values.repeat !== undefined) throw new Error('--quick is a single pass: give either --quick or --repeat N, not both');
  const db: BenchDatabase = chosenDb;
  return {
    pairs: whole('pairs', values.pairs, 1),
    db,
    temporal,
    build: !values['no-build'],
    answers: whole('answers', values.answers, 0),
    // A list: the first pass answers the forms, later passes edit the same answers.
    concurrency: (values.concurrency ?? '').split(',').map((value) => whole('concurrency', value.trim(), 1)),
    years: whole('years', values.years, 1),
    longLife: !values['no-long-life'],
    repeats: values.quick ? 1 : values.repeat === undefined ? DEFAULT_REPEATS : whole('repeat', values.repeat, 1),
  };
}

async function main(): Promise<void> {
  const opts = options();
  const log = (line: string) => console.error(line);
  const temporal = opts.temporal === 'cluster' ? 'Temporal cluster' : 'Temporal dev server';
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${opts.db}, ${temporal}`;
  log(`benchmark: ${opts.pairs} pairs, ${opts.repeats} repeat${opts.repeats === 1 ? '' : 's'}, on ${machine}`);
  if (opts.build) {
    log('building dist/ (npm run build): the worker and web service run from it, as in production');
    buildProduction();
  } else log('running the worker and web service from dist/ as it is (--no-build)');
  const repeats: RepeatResult[] = [];
  for (let repeat = 1; repeat <= opts.repeats; repeat += 1) {
    log(`repeat ${repeat} of ${opts.repeats}, on a fresh stack`);
    repeats.push(await runRepeat(opts, (line) => log(`  ${line}`)));
  }
  const longLife = opts.longLife ? await runLongLife(opts.years, log) : null;
  const summary = summarise(repeats);
  const rows = figures(opts.pairs, repeats, summary, longLife);
  const cpu = cpuTable(repeats, summary);
  const metrics = workerMetricsTable(repeats);
  const report = {
    pairs: opts.pairs,
    db: opts.db,
    temporal: opts.temporal,
    machine,
    ranAt: new Date().toISOString(),
    repeats: opts.repeats,
    figures: rows,
    summary,
    runs: repeats,
    longLife,
  };
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `latest-${opts.pairs}-${opts.db}${opts.temporal === 'cluster' ? '-cluster' : ''}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  const sections = [
    `Rapport benchmark: ${opts.pairs} pairs, ${opts.repeats} repeat${opts.repeats === 1 ? '' : 's'}, ${machine}`,
    figuresTable(rows, opts.repeats),
    cpu ? renderTable(['CPU per email sent (until the stack is idle again)', 'burst', 'baseline'], cpu) : 'CPU per process: not measured (no /proc here)',
    renderTable(metrics.headers, metrics.rows),
    `(JSON, every repeat's raw numbers: ${file})`,
  ];
  console.log(sections.join('\n\n'));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
