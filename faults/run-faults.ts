// npm run faults -- [--scenario NAME[,NAME…]]… [--scale reduced|full] [--db postgres|sqlite] [--temporal dev|cluster] [--no-build]
//
// Runs each fault scenario on a fresh stack of real processes, prints what was expected,
// delivered, duplicated and lost, then the bad-input tallies of the property tests, and writes the
// same to faults/results/latest.json (latest-cluster.json on the cluster). Exits 1 when any scenario missed a target (something lost, a
// duplicate no fault explains, a half-written record, an unclear page).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  badInputSummary,
  badInputTable,
  faultTable,
  LATEST_CLUSTER_REPORT,
  LATEST_REPORT,
  machineDescription,
  readBadInput,
  submissionTable,
  writeReport,
} from './fault-report';
import { startFaultStack, type FaultDatabase } from './fault-stack';
import {
  databaseFor,
  needsCluster,
  runScenario,
  SCALES,
  SCENARIO_TITLES,
  SCENARIOS,
  scenariosFor,
  type ScenarioName,
  type ScenarioResult,
  type Scale,
} from './scenarios';
import { buildProduction } from '../harness/rapport-process';
import { temporalUnderTest, type TemporalUnderTest } from '../harness/temporal-under-test';

const USAGE = `usage: npm run faults -- [--scenario NAME[,NAME…]]… [--scale reduced|full] [--db postgres|sqlite] [--temporal dev|cluster] [--no-build]

scenarios (all by default):
${SCENARIOS.map((name) => `  ${name.padEnd(25)} ${SCENARIO_TITLES[name]}`).join('\n')}

--scale reduced           ${describeScale(SCALES.reduced)} (default)
--scale full              ${describeScale(SCALES.full)}
--db                      the database of every scenario but database-outage, which needs PostgreSQL (default postgres)
--temporal dev            the Temporal dev server persisting to a file (default; or RAPPORT_TEMPORAL=dev)
--temporal cluster        a real Temporal cluster on a PostgreSQL of its own, beside the application's
                          (tools/provision.sh cluster builds it); adds the cluster-only scenarios
--no-build                run the worker and web service from dist/ as it is, without npm run build first`;

function describeScale(scale: Scale): string {
  return `${scale.pairs} pairs a burst, SMTP down ${scale.smtpDownMs / 1000} s, PostgreSQL ${scale.databaseDownMs / 1000} s, Temporal ${scale.temporalDownMs / 1000} s`;
}

interface Options {
  scenarios: ScenarioName[];
  scale: Scale;
  db: FaultDatabase;
  temporal: TemporalUnderTest;
  build: boolean;
}

class UsageError extends Error {}

function valueAfter(args: string[], index: number, flag: string): string {
  const value = args[index + 1];
  if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
  return value;
}

function parseArgs(args: string[]): Options {
  const scenarios: ScenarioName[] = [];
  let scale: Scale = SCALES.reduced;
  let db: FaultDatabase = 'postgres';
  let temporal: TemporalUnderTest | undefined;
  let build = true;
  for (let index = 0; index < args.length; index += 2) {
    const flag = args[index];
    if (flag === '--no-build') {
      build = false;
      index -= 1;
      continue;
    }
    const value = valueAfter(args, index, flag);
    if (flag === '--scenario') {
      for (const name of value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)) {
        if (!(SCENARIOS as readonly string[]).includes(name)) throw new UsageError(`unknown scenario "${name}"; the scenarios are ${SCENARIOS.join(', ')}`);
        if (!scenarios.includes(name as ScenarioName)) scenarios.push(name as ScenarioName);
      }
    } else if (flag === '--scale') {
      if (value !== 'reduced' && value !== 'full') throw new UsageError('--scale must be reduced or full');
      scale = SCALES[value];
    } else if (flag === '--db') {
      if (value !== 'postgres' && value !== 'sqlite') throw new UsageError('--db must be postgres or sqlite');
      db = value;
    } else if (flag === '--temporal') {
      if (value !== 'dev' && value !== 'cluster') throw new UsageError('--temporal must be dev or cluster');
      temporal = value;
    } else {
      throw new UsageError(`unknown option "${flag}"`);
    }
  }
  try {
    temporal ??= temporalUnderTest();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const clusterOnly = scenarios.filter(needsCluster);
  if (temporal === 'dev' && clusterOnly.length > 0) throw new UsageError(`${clusterOnly.join(', ')} run on the Temporal cluster only: add --temporal cluster`);
  return { scenarios: scenarios.length > 0 ? scenarios : scenariosFor(temporal), scale, db, temporal, build };
}

const log = (line: string) => console.error(`${new Date().toISOString().slice(11, 19)} ${line}`);

/** One scenario on a fresh stack; a scenario that throws is reported, not fatal to the others. */
async function runOnFreshStack(scenario: ScenarioName, options: Options, logDir: string): Promise<ScenarioResult> {
  const db = databaseFor(scenario) ?? options.db;
  const startedAt = Date.now();
  const failed = (error: unknown): ScenarioResult => {
    log(`[${scenario}] failed: ${(error as Error).stack ?? String(error)}`);
    const problems = [`the scenario failed: ${(error as Error).message.split('\n')[0]}`];
    return { scenario, rows: [], submissions: null, notes: [], problems, facts: {}, seconds: (Date.now() - startedAt) / 1000 };
  };
  log(`[${scenario}] starting the stack (${db}, Temporal ${options.temporal === 'cluster' ? 'cluster' : 'dev server'})`);
  const stack = await startFaultStack({ db, temporal: options.temporal }).catch((error: unknown) => error as Error);
  if (stack instanceof Error) return failed(stack);
  try {
    return await runScenario(scenario, stack, options.scale, log);
  } catch (error) {
    return failed(error);
  } finally {
    writeFileSync(join(logDir, `${scenario}.log`), stack.output());
    await stack.stop().catch((error: Error) => log(`[${scenario}] stopping the stack: ${error.message}`));
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const options = parseArgs(args);
  const logDir = mkdtempSync(join(tmpdir(), 'rapport-faults-logs-'));
  if (options.build) {
    log('building dist/ (npm run build): the worker and web service run from it, as in production');
    buildProduction();
  } else log('running the worker and web service from dist/ as it is (--no-build)');
  log(
    `scenarios: ${options.scenarios.join(', ')} at ${options.scale.name} scale, on the Temporal ${options.temporal === 'cluster' ? 'cluster' : 'dev server'}`,
  );
  const results: ScenarioResult[] = [];
  for (const scenario of options.scenarios) results.push(await runOnFreshStack(scenario, options, logDir));
  const badInput = readBadInput();
  const reportPath = options.temporal === 'cluster' ? LATEST_CLUSTER_REPORT : LATEST_REPORT;
  const temporal = options.temporal === 'cluster' ? 'Temporal cluster on PostgreSQL' : 'Temporal dev server';
  writeReport(
    { at: new Date().toISOString(), machine: machineDescription(), scale: options.scale, database: options.db, temporal, results, badInput },
    reportPath,
  );
  console.log(`\nFaults (${options.scale.name} scale: ${describeScale(options.scale)}; ${temporal})\n`);
  console.log(faultTable(results));
  const answers = submissionTable(results);
  if (answers) console.log(`\n${answers}`);
  console.log(`\nBad input (from the property tests' last run)\n`);
  console.log(badInputSummary(badInput));
  if (badInput.length > 0) console.log(`\nBy target:\n\n${badInputTable(badInput)}`);
  console.log(`\nWritten to ${reportPath}; worker and web logs in ${logDir}`);
  const failed = results.filter((result) => result.problems.length > 0);
  if (failed.length > 0) console.log(`\nTargets missed in: ${failed.map((result) => result.scenario).join(', ')}`);
  return failed.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  },
);
