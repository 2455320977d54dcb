// npm run faults -- [--scenario NAME[,NAME…]]… [--scale reduced|full] [--db postgres|sqlite]
//
// Runs each fault scenario on a fresh stack of real processes, prints what was expected,
// delivered, duplicated and lost, then the bad-input tallies of the property tests, and writes the
// same to faults/results/latest.json. Exits 1 when any scenario missed a target (something lost, a
// duplicate no fault explains, a half-written record, an unclear page).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { badInputSummary, badInputTable, faultTable, LATEST_REPORT, machineDescription, readBadInput, submissionTable, writeReport } from './fault-report';
import { startFaultStack, type FaultDatabase } from './fault-stack';
import { databaseFor, runScenario, SCALES, SCENARIO_TITLES, SCENARIOS, type ScenarioName, type ScenarioResult, type Scale } from './scenarios';
import { buildProduction } from '../harness/rapport-process';

const USAGE = `usage: npm run faults -- [--scenario NAME[,NAME…]]… [--scale reduced|full] [--db postgres|sqlite]

scenarios (all by default):
${SCENARIOS.map((name) => `  ${name.padEnd(17)} ${SCENARIO_TITLES[name]}`).join('\n')}

--scale reduced   ${describeScale(SCALES.reduced)} (default)
--scale full      ${describeScale(SCALES.full)}
--db              the database of every scenario but database-outage, which needs PostgreSQL (default postgres)`;

function describeScale(scale: Scale): string {
  return `${scale.pairs} pairs a burst, SMTP down ${scale.smtpDownMs / 1000} s, PostgreSQL ${scale.databaseDownMs / 1000} s, Temporal ${scale.temporalDownMs / 1000} s`;
}

interface Options {
  scenarios: ScenarioName[];
  scale: Scale;
  db: FaultDatabase;
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
  for (let index = 0; index < args.length; index += 2) {
    const flag = args[index];
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
    } else {
      throw new UsageError(`unknown option "${flag}"`);
    }
  }
  return { scenarios: scenarios.length > 0 ? scenarios : [...SCENARIOS], scale, db };
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
  log(`[${scenario}] starting the stack (${db})`);
  const stack = await startFaultStack({ db }).catch((error: unknown) => error as Error);
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
  log('building dist/ (npm run build): the worker and web service run from it, as in production');
  buildProduction();
  log(`scenarios: ${options.scenarios.join(', ')} at ${options.scale.name} scale`);
  const results: ScenarioResult[] = [];
  for (const scenario of options.scenarios) results.push(await runOnFreshStack(scenario, options, logDir));
  const badInput = readBadInput();
  writeReport({ at: new Date().toISOString(), machine: machineDescription(), scale: options.scale, database: options.db, results, badInput });
  console.log(`\nFaults (${options.scale.name} scale: ${describeScale(options.scale)})\n`);
  console.log(faultTable(results));
  const answers = submissionTable(results);
  if (answers) console.log(`\n${answers}`);
  console.log(`\nBad input (from the property tests' last run)\n`);
  console.log(badInputSummary(badInput));
  if (badInput.length > 0) console.log(`\nBy target:\n\n${badInputTable(badInput)}`);
  console.log(`\nWritten to ${LATEST_REPORT}; worker and web logs in ${logDir}`);
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
