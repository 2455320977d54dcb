// The benchmark's tables, from every repeat: each figure as its median with the min–max of the
// repeats, the burst ratio as the median of the per-repeat ratios; where the CPU went per email
// sent; and the worker's own latencies for each phase.
import type { LongLifeResult } from './long-life';
import type { RepeatResult } from './repeat';
import { formatSpread, ratioSpread, spread, type Spread } from './stats';
import { WORKER_COUNTERS, WORKER_LATENCIES, type WorkerLatency, type WorkerMetricsWindow } from './worker-metrics';
import type { CpuWindow } from './process-cpu';

export interface Figure {
  figure: string;
  value: string;
  target: string;
  met: boolean | null;
}

/** The targets of issue 18, in one place. */
export const TARGETS = {
  burstRatio: 1.25,
  /** The burst ratio is held to its target from this many pairs up (1,000 and 10,000 are the runs that count). */
  burstRatioFromPairs: 1000,
  answersP99Ms: 100,
  answersConcurrency: 4,
  peakRssMiB: 512,
};

const PROCESS_NAMES: Record<string, string> = {
  worker: 'worker',
  web: 'web service',
  temporal: 'Temporal dev server',
  'temporal-cluster': 'Temporal cluster server',
  smtp: 'SMTP counter',
  postgres: 'PostgreSQL',
  benchmark: 'benchmark process (the baseline: its sender)',
};

const oneDecimal = (value: number) => value.toFixed(1);
const twoDecimals = (value: number) => value.toFixed(2);
const whole = (value: number) => String(Math.round(value));
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

export interface Summary {
  repeats: number;
  burstSeconds: Spread;
  baselineSeconds: Spread;
  /** The median of the per-repeat ratios, with their min–max. */
  burstRatio: Spread;
  peakRssMiB: Spread;
  answers: { concurrency: number; savedP99: Spread; acknowledgedP50: Spread; acknowledgedP95: Spread; acknowledgedP99: Spread }[];
  cpuMsPerEmail: { burst: Record<string, Spread>; baseline: Record<string, Spread> } | null;
}

function cpuPerEmail(windows: (CpuWindow | null)[], emails: number[]): Record<string, Spread> | null {
  if (windows.some((window) => window === null)) return null;
  const present = windows as CpuWindow[];
  const names = [...new Set(present.flatMap((window) => Object.keys(window.seconds)))];
  const perEmail = (seconds: (window: CpuWindow) => number) => spread(present.map((window, index) => (seconds(window) * 1000) / emails[index]));
  return {
    ...Object.fromEntries(names.map((name) => [name, perEmail((window) => window.seconds[name] ?? 0)])),
    all: perEmail((window) => window.totalSeconds),
  };
}

export function summarise(repeats: RepeatResult[]): Summary {
  const emails = repeats.map((repeat) => repeat.burst.emails);
  const burstCpu = cpuPerEmail(
    repeats.map((repeat) => repeat.burstCpu),
    emails,
  );
  const baselineCpu = cpuPerEmail(
    repeats.map((repeat) => repeat.baselineCpu),
    repeats.map((repeat) => repeat.baseline.emails),
  );
  const passes = repeats[0]?.answers.length ?? 0;
  return {
    repeats: repeats.length,
    burstSeconds: spread(repeats.map((repeat) => repeat.burst.seconds)),
    baselineSeconds: spread(repeats.map((repeat) => repeat.baseline.seconds)),
    burstRatio: ratioSpread(
      repeats.map((repeat) => repeat.burst.seconds),
      repeats.map((repeat) => repeat.baseline.seconds),
    ),
    peakRssMiB: spread(repeats.map((repeat) => repeat.peakRssMiB ?? NaN)),
    answers: Array.from({ length: passes }, (_, pass) => {
      const of = (read: (answers: RepeatResult['answers'][number]) => number) => spread(repeats.map((repeat) => read(repeat.answers[pass])));
      return {
        concurrency: repeats[0].answers[pass].concurrency,
        savedP99: of((answers) => answers.saved.p99),
        acknowledgedP50: of((answers) => answers.acknowledged.p50),
        acknowledgedP95: of((answers) => answers.acknowledged.p95),
        acknowledgedP99: of((answers) => answers.acknowledged.p99),
      };
    }),
    cpuMsPerEmail: burstCpu && baselineCpu ? { burst: burstCpu, baseline: baselineCpu } : null,
  };
}

/** "240 ms" for one repeat, "240 ms (p99 230–250)" for several: the spread is the p99's alone. */
const p99 = (value: Spread) => {
  const spreadOf = formatSpread(value, whole, ' ms');
  return spreadOf.includes('(') ? spreadOf.replace('(', '(p99 ') : spreadOf;
};

function answerFigures(repeats: RepeatResult[], summary: Summary): Figure[] {
  return summary.answers.flatMap((pass, index) => {
    const what = index === 0 ? 'answers' : 'edits';
    const submissions = repeats[0].answers[index].submissions;
    const held = index === 0 && pass.concurrency === TARGETS.answersConcurrency;
    const statuses: Record<string, number> = {};
    for (const repeat of repeats) {
      for (const [status, count] of Object.entries(repeat.answers[index].statuses)) statuses[status] = (statuses[status] ?? 0) + count;
    }
    const saved = repeats.map((repeat) => repeat.answers[index].saved);
    return [
      {
        figure: `${what}: ${submissions} at concurrency ${pass.concurrency}, saved page p50/p95/p99`,
        value: `${whole(spread(saved.map((s) => s.p50)).median)} / ${whole(spread(saved.map((s) => s.p95)).median)} / ${p99(pass.savedP99)}`,
        target: '',
        met: null,
      },
      {
        figure: `${what}: acknowledged by the workflow p50/p95/p99`,
        value: `${whole(pass.acknowledgedP50.median)} / ${whole(pass.acknowledgedP95.median)} / ${p99(pass.acknowledgedP99)}`,
        target: held ? `p99 ≤ ${TARGETS.answersP99Ms} ms` : '',
        met: held ? pass.acknowledgedP99.median <= TARGETS.answersP99Ms : null,
      },
      {
        figure: `${what}: responses by status (all repeats)`,
        value: Object.entries(statuses)
          .map(([status, count]) => `${status}×${count}`)
          .join(', '),
        target: 'all 200',
        met: Object.keys(statuses).every((status) => status === '200'),
      },
    ];
  });
}

function longLifeFigures(longLife: LongLifeResult): Figure[] {
  return [
    {
      figure: `long life: ${longLife.years} years weekly (${longLife.cycles} cycles, ${longLife.runs} runs), wall time`,
      value: `${oneDecimal(longLife.wallSeconds)} s`,
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
  ];
}

/** The main table: median (min–max) of the repeats for every figure, beside its target. */
export function figures(pairs: number, repeats: RepeatResult[], summary: Summary, longLife: LongLifeResult | null): Figure[] {
  const emails = repeats[0].burst.emails;
  const rate = (seconds: Spread) => `${Math.round(emails / seconds.median)} emails/s`;
  const ratioHeld = pairs >= TARGETS.burstRatioFromPairs;
  const lost = sum(repeats.map((repeat) => repeat.burst.lost));
  const duplicates = sum(repeats.map((repeat) => repeat.burst.duplicates));
  const cpu = summary.cpuMsPerEmail;
  const rows: Figure[] = [
    {
      figure: `burst: ${emails} reflection + prep emails accepted after the due minute`,
      value: `${formatSpread(summary.burstSeconds, oneDecimal, ' s')}, ${rate(summary.burstSeconds)}`,
      target: '',
      met: null,
    },
    {
      figure: 'baseline: same emails, nodemailer pool straight to SMTP',
      value: `${formatSpread(summary.baselineSeconds, oneDecimal, ' s')}, ${rate(summary.baselineSeconds)}`,
      target: '',
      met: null,
    },
    {
      figure: 'burst ratio Rapport / baseline (median of the per-repeat ratios)',
      value: formatSpread(summary.burstRatio, twoDecimals),
      target: ratioHeld ? `≤ ${TARGETS.burstRatio}` : `≤ ${TARGETS.burstRatio} at 1,000 and 10,000 pairs`,
      met: ratioHeld ? summary.burstRatio.median <= TARGETS.burstRatio : null,
    },
    {
      figure: `burst emails lost / sent twice (${repeats.length} burst${repeats.length === 1 ? '' : 's'})`,
      value: `${lost} / ${duplicates}`,
      target: '0 / 0',
      met: lost === 0 && duplicates === 0,
    },
    ...(cpu
      ? [
          {
            figure: 'CPU per email, all processes: burst / baseline',
            value: `${formatSpread(cpu.burst.all, oneDecimal, ' ms')} / ${formatSpread(cpu.baseline.all, oneDecimal, ' ms')}`,
            target: '',
            met: null,
          },
        ]
      : []),
    {
      figure: 'worker peak RSS (burst and answers)',
      value: Number.isNaN(summary.peakRssMiB.median) ? 'n/a' : formatSpread(summary.peakRssMiB, whole, ' MiB'),
      target: `≤ ${TARGETS.peakRssMiB} MiB at 10,000 pairs`,
      met: Number.isNaN(summary.peakRssMiB.median) ? null : summary.peakRssMiB.median <= TARGETS.peakRssMiB,
    },
    ...answerFigures(repeats, summary),
    ...(longLife ? longLifeFigures(longLife) : []),
  ];
  return rows;
}

/** Where the time goes: each process's CPU per email sent in the burst, beside the baseline's, and how busy the cores were. */
export function cpuTable(repeats: RepeatResult[], summary: Summary): string[][] | null {
  const cpu = summary.cpuMsPerEmail;
  if (!cpu) return null;
  const names = Object.keys(cpu.burst).filter((name) => name !== 'all');
  const cell = (value: Spread | undefined) => (value ? formatSpread(value, oneDecimal, ' ms') : '');
  // Present in every repeat when the summary has CPU figures at all.
  const burst = repeats.map((repeat) => repeat.burstCpu as CpuWindow);
  const baseline = repeats.map((repeat) => repeat.baselineCpu as CpuWindow);
  const cores = (windows: CpuWindow[], busy: (window: CpuWindow) => number) =>
    formatSpread(spread(windows.map((window) => busy(window) / window.wallSeconds)), twoDecimals);
  const ours = (window: CpuWindow) => window.totalSeconds;
  const machine = (window: CpuWindow) => window.machineBusySeconds;
  return [
    ...names.map((name) => [PROCESS_NAMES[name] ?? name, cell(cpu.burst[name]), cell(cpu.baseline[name])]),
    ['all of them', cell(cpu.burst.all), cell(cpu.baseline.all)],
    ['cores busy: these processes', cores(burst, ours), cores(baseline, ours)],
    ['cores busy: the whole machine (anyone else too)', cores(burst, machine), cores(baseline, machine)],
  ];
}

const latencyCell = (windows: WorkerMetricsWindow[], key: WorkerLatency) => {
  const figures = windows.map((window) => window.latencies[key]);
  const count = spread(figures.map((figure) => figure.count)).median;
  if (!(count > 0)) return '–';
  const mean = spread(figures.map((figure) => figure.meanMs)).median;
  const p95 = spread(figures.map((figure) => figure.p95Ms)).median;
  // Past the SDK's largest bucket the percentile is only known to be at least that bound.
  const atLeast = p95 >= figures[0].topBucketMs ? '≥ ' : '';
  return `${oneDecimal(mean)} / ${atLeast}${oneDecimal(p95)} ms (${Math.round(count)})`;
};

/** The SDK's latencies during each phase (medians of the repeats): mean / p95, and how many. */
export function workerMetricsTable(repeats: RepeatResult[]): { headers: string[]; rows: string[][] } {
  const phases: { name: string; windows: WorkerMetricsWindow[] }[] = [
    { name: 'burst', windows: repeats.map((repeat) => repeat.burstMetrics) },
    ...(repeats[0]?.answers ?? []).map((pass, index) => ({
      name: `${index === 0 ? 'answers' : 'edits'} at ${pass.concurrency}`,
      windows: repeats.map((repeat) => repeat.answers[index].workerMetrics),
    })),
  ];
  const latencyRows = (Object.keys(WORKER_LATENCIES) as WorkerLatency[]).map((key) => [
    WORKER_LATENCIES[key].label,
    ...phases.map((phase) => latencyCell(phase.windows, key)),
  ]);
  const counterRows = (Object.keys(WORKER_COUNTERS) as (keyof typeof WORKER_COUNTERS)[]).map((key) => [
    { stickyCacheHits: 'sticky cache hits', stickyCacheMisses: 'sticky cache misses', emailsSent: 'emails the worker counted' }[key],
    ...phases.map((phase) => whole(spread(phase.windows.map((window) => window.counters[key])).median)),
  ]);
  return { headers: ['worker metric (mean / p95, count)', ...phases.map((phase) => phase.name)], rows: [...latencyRows, ...counterRows] };
}

/** A Markdown table; `marks` adds a word after a row (the main table's "missed"). */
export function renderTable(headers: string[], rows: string[][], marks: string[] = []): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[], mark = '') => `| ${cells.map((cell, column) => (cell ?? '').padEnd(widths[column])).join(' | ')} |${mark ? ` ${mark}` : ''}`;
  return [line(headers), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map((row, index) => line(row, marks[index]))].join('\n');
}

export function figuresTable(rows: Figure[], repeats: number): string {
  return renderTable(
    ['figure', repeats > 1 ? `median (min–max) of ${repeats}` : 'value', 'target'],
    rows.map((row) => [row.figure, row.value, row.target]),
    rows.map((row) => (row.met === false ? 'missed' : '')),
  );
}
