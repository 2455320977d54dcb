// One repeat of the benchmark on a fresh stack: the burst, then the baseline beside it (so that
// the ratio of the two is taken a pair at a time), then the answers; with the CPU each process
// used and the worker's own metrics for each phase.
import { runAnswers, type AnswersResult } from './answers';
import { peakRssMiB, startBenchStack, type BenchDatabase, type BenchStack } from './bench-stack';
import { runBaseline, runBurst, type BaselineResult, type BurstResult } from './burst';
import { cpuBetween, sampleCpu, waitUntilIdle, type CpuSample, type CpuWindow } from './process-cpu';
import { metricsBetween, scrapeMetrics, type Sample, type WorkerMetricsWindow } from './worker-metrics';
import type { TemporalUnderTest } from '../harness/temporal-under-test';

export interface RepeatOptions {
  pairs: number;
  db: BenchDatabase;
  temporal?: TemporalUnderTest;
  answers: number;
  concurrency: number[];
}

export interface AnswersPass extends AnswersResult {
  workerMetrics: WorkerMetricsWindow;
}

export interface RepeatResult {
  burst: Omit<BurstResult, 'pairIds'>;
  baseline: BaselineResult;
  /** This repeat's burst over its own baseline. */
  ratio: number;
  /** CPU from just before the due minute until the stack is idle again (the burst's last workflow tasks included); null without /proc. */
  burstCpu: CpuWindow | null;
  /** CPU from the baseline's first send until the SMTP counter is idle again. */
  baselineCpu: CpuWindow | null;
  burstMetrics: WorkerMetricsWindow;
  answers: AnswersPass[];
  peakRssMiB: number | null;
}

/** Runs a phase, which calls `sample` as it starts, and reads the stack's CPU again once the stack is idle after it. */
async function withCpu<T>(stack: BenchStack, start: (sample: () => void) => Promise<T>): Promise<{ result: T; cpu: CpuWindow | null }> {
  if (stack.processes.length === 0) return { result: await start(() => {}), cpu: null };
  let before: CpuSample | undefined;
  const result = await start(() => (before = sampleCpu(stack.processes)));
  const after = await waitUntilIdle(stack.processes);
  return { result, cpu: before ? cpuBetween(before, after) : null };
}

async function measuredBurst(stack: BenchStack, pairs: number, log: (line: string) => void) {
  let metricsBefore: Sample[] = [];
  const { result, cpu } = await withCpu(stack, (sample) =>
    runBurst(stack, pairs, log, async () => {
      // Scraped before the CPU reading, so that serving the scrape is not counted as the burst's.
      metricsBefore = await scrapeMetrics(stack.metricsUrl);
      sample();
    }),
  );
  const metrics = metricsBetween(metricsBefore, await scrapeMetrics(stack.metricsUrl));
  return { burst: result, cpu, metrics };
}

async function measuredBaseline(stack: BenchStack, pairs: number) {
  return withCpu(stack, (sample) => {
    sample();
    return runBaseline(stack, pairs);
  });
}

function reflectionLinks(stack: BenchStack): string[] {
  return stack.smtp.accepted
    .filter((m) => m.formLink && m.to.some((to) => to.startsWith('report-')) && !m.messageId.includes('baseline'))
    .map((m) => m.formLink as string);
}

export async function runRepeat(options: RepeatOptions, log: (line: string) => void): Promise<RepeatResult> {
  const stack = await startBenchStack(options.db, options.temporal);
  try {
    const burst = await measuredBurst(stack, options.pairs, log);
    log(`burst: ${burst.burst.seconds.toFixed(1)} s`);
    const baseline = await measuredBaseline(stack, options.pairs);
    log(`baseline: ${baseline.result.seconds.toFixed(1)} s`);
    const answers: AnswersPass[] = [];
    if (options.answers > 0) {
      const links = reflectionLinks(stack).slice(0, options.answers);
      for (const concurrency of options.concurrency) {
        const before = await scrapeMetrics(stack.metricsUrl);
        const pass = await runAnswers(stack, links, concurrency);
        answers.push({ ...pass, workerMetrics: metricsBetween(before, await scrapeMetrics(stack.metricsUrl)) });
        log(`answers at concurrency ${concurrency}: p99 acknowledged ${Math.round(pass.acknowledged.p99)} ms`);
      }
    }
    const { pairIds: _pairIds, ...burstFigures } = burst.burst;
    return {
      burst: burstFigures,
      baseline: baseline.result,
      ratio: burst.burst.seconds / baseline.result.seconds,
      burstCpu: burst.cpu,
      baselineCpu: baseline.cpu,
      burstMetrics: burst.metrics,
      answers,
      peakRssMiB: peakRssMiB(stack.worker.child.pid),
    };
  } finally {
    await stack.stop();
  }
}
