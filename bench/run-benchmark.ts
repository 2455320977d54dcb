// `npm run bench -- [--pairs N] [--db sqlite|postgres] [--answers N] [--concurrency N[,N...]] [--years N]
// [--no-long-life] [--repeat N | --quick]`: a whole company's Monday morning, measured against sending
// the same mail directly, N times on fresh stacks (burst, baseline, burst, baseline, …). Prints the
// figures' medians and spreads beside their targets, where the CPU went, and the worker's own
// latencies; writes the same, with every repeat's raw numbers, as JSON under bench/results.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchDatabase } from './bench-stack';
import { cpuTable, figures, figuresTable, renderTable, summarise, workerMetricsTable } from './figures';
import { runLongLife } from './long-life';
import { runRepeat, type RepeatResult } from './repeat';
import { buildProduction } from '../harness/rapport-process';

const DEFAULT_REPEATS = 3;

function options() {
  const { values } = parseArgs({
    options: {
      pairs: { type: 'string', default: '1000' },
      db: { type: 'string', default: 'sqlite' },
      answers: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '4,20' },
      years: { type: 'string', default: '5' },
      repeat: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'no-long-life': { type: 'boolean', default: false },
    },
  });
  const whole = (name: string, value: string | undefined, min: number) => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < min) throw new Error(`--${name} must be a whole number of at least ${min}`);
    return number;
  };
  if (values.db !== 'sqlite' && values.db !== 'postgres') throw new Error('--db must be sqlite or postgres');
  if (values.quick && values.repeat !== undefined) throw new Error('--quick is a single pass: give either --quick or --repeat N, not both');
  const db: BenchDatabase = values.db === 'postgres' ? 'postgres' : 'sqlite';
  return {
    pairs: whole('pairs', values.pairs, 1),
    db,
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
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${opts.db}`;
  log(`benchmark: ${opts.pairs} pairs, ${opts.repeats} repeat${opts.repeats === 1 ? '' : 's'}, on ${machine}`);
  log('building dist/ (npm run build): the worker and web service run from it, as in production');
  buildProduction();
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
  const file = join(dir, `latest-${opts.pairs}-${opts.db}.json`);
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
