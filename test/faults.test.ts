// The fault suite, reduced: every scenario of `npm run faults` at small scale (20 pairs a burst,
// the SMTP server and PostgreSQL down 10 s, the dev server 5 s) on one stack of real processes:
// PostgreSQL, the Temporal dev server persisting to a file, the faulty SMTP server, the worker and
// the web service. Each scenario counts at the SMTP server and in the database; its `problems`
// name every target it missed (see faults/scenarios.ts). With RAPPORT_TEMPORAL=cluster the stack
// runs on a real Temporal cluster instead, and two more scenarios kill its server and restart its
// PostgreSQL mid-burst.
import { faultTable } from '../faults/fault-report';
import { startFaultStack, type FaultStack } from '../faults/fault-stack';
import { runScenario, SCALES, type ScenarioName, type ScenarioResult } from '../faults/scenarios';
import { temporalUnderTest } from '../harness/temporal-under-test';

const TEMPORAL = temporalUnderTest();
const onCluster = TEMPORAL === 'cluster' ? it : it.skip;

let stack: FaultStack;
const results: ScenarioResult[] = [];

beforeAll(async () => {
  stack = await startFaultStack({ db: 'postgres', temporal: TEMPORAL });
});

afterEach(async () => {
  // A scenario that failed half-way must not leave the next one a broken stack.
  await stack?.restore();
});

afterAll(async () => {
  await stack?.stop();
  if (results.length > 0) process.stderr.write(`\n${faultTable(results)}\n`);
});

async function run(scenario: ScenarioName): Promise<ScenarioResult> {
  const result = await runScenario(scenario, stack, SCALES.reduced, (line) => process.stderr.write(`${line}\n`));
  results.push(result);
  if (result.problems.length > 0) process.stderr.write(`${stack.output().slice(-20_000)}\n`);
  return result;
}

const emails = (result: ScenarioResult) => result.rows.find((row) => row.what === 'emails');
const answers = (result: ScenarioResult) => result.rows.find((row) => row.what === 'answers');

it('delivers every email after 451 to one in three; a 550 is recorded failed, shown to admins, and the pair goes on', async () => {
  const result = await run('smtp-refusals');
  expect(result.problems).toEqual([]);
  expect(result.facts.deferred451).toBeGreaterThan(0);
  // The refused report's reflection and, later, their agenda.
  expect(result.facts.recordedFailed).toBe(2);
  expect(result.facts).toMatchObject({ shownInApi: true, shownOnPage: true, pairWentOn: true, duplicated: 0 });
  expect(emails(result)).toMatchObject({ lost: 0, duplicated: 0, delivered: (emails(result)?.expected ?? 0) - 2 });
});

it('waits out an SMTP server refusing connections: nothing lost, nothing twice', async () => {
  const result = await run('smtp-outage');
  expect(result.problems).toEqual([]);
  expect(result.facts.inFlightAtFault).toBeGreaterThan(0);
  expect(emails(result)).toMatchObject({ lost: 0, duplicated: 0 });
});

it('loses nothing when the worker is killed with -9 halfway through a burst; a copy only of a message the kill caught', async () => {
  const result = await run('worker-kill');
  expect(result.problems).toEqual([]);
  expect(result.facts.inFlightAtFault).toBeGreaterThan(0);
  expect(emails(result)?.lost).toBe(0);
  expect(result.facts.duplicated).toBeLessThanOrEqual(Number(result.facts.inCrashWindow));
  expect(result.facts.explainedDuplicates).toBe(result.facts.duplicated);
});

it('carries on after the Temporal dev server is stopped and started again; answers posted meanwhile arrive', async () => {
  const result = await run('temporal-restart');
  expect(result.problems).toEqual([]);
  expect(result.facts.inFlightAtFault).toBeGreaterThan(0);
  expect(result.facts.savedWhileDown).toBeGreaterThan(0);
  expect(emails(result)).toMatchObject({ lost: 0, duplicated: 0 });
  expect(answers(result)?.lost).toBe(0);
});

it('during a PostgreSQL outage sends wait and answers get "not saved, try again", with nothing half-written', async () => {
  const result = await run('database-outage');
  expect(result.problems).toEqual([]);
  expect(result.facts.inFlightAtFault).toBeGreaterThan(0);
  expect(result.facts.notSavedPages).toBeGreaterThan(0);
  expect(result.facts.notSavedThenLeft).toBeGreaterThan(0);
  expect(result.facts.storedAnyway).toBe(0);
  expect(emails(result)).toMatchObject({ lost: 0, duplicated: 0 });
  expect(answers(result)?.lost).toBe(0);
});

it('keeps every answer whose page said saved when the web service is killed with -9 mid-stream', async () => {
  const result = await run('web-kill');
  expect(result.problems).toEqual([]);
  expect(result.facts.saved).toBeGreaterThan(0);
  expect(answers(result)).toMatchObject({ lost: 0, expected: result.facts.saved });
  expect(result.submissions?.noAnswer).toBeGreaterThan(0);
});

onCluster("loses nothing and sends nothing twice when the cluster's server is killed with -9 mid-burst", async () => {
  const result = await run('cluster-server-kill');
  expect(result.problems).toEqual([]);
  expect(result.facts.inFlightAtFault).toBeGreaterThan(0);
  expect(emails(result)).toMatchObject({ lost: 0, duplicated: 0 });
  expect(answers(result)?.lost).toBe(0);
});

onCluster("loses nothing and sends nothing twice when the cluster's PostgreSQL is restarted mid-burst", async () => {
  const result = await run('cluster-postgres-restart');
  expect(result.problems).toEqual([]);
  expect(result.facts.inFlightAtFault).toBeGreaterThan(0);
  expect(emails(result)).toMatchObject({ lost: 0, duplicated: 0 });
  expect(answers(result)?.lost).toBe(0);
});
