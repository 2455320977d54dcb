// Property tests of the command line (runCli with its output captured) against a real stack:
// any argv and any pair, question-set or CSV file end with exit code 0, 1 or 2, never a thrown
// error; every failure is told on "error:" lines; a refused command stores nothing.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as yamlText } from 'yaml';
import { createPairAdmin } from '../pairs/pair-admin';
import { COMMANDS, runCli, type OpenAdmin } from '../cli/cli-commands';
import { pairHandle } from '../pairs/registration';
import { createInputTally } from '../harness/input-tally';
import { waitForStatus } from './support/pair-driver';
import { mutated, mutatedStages, PAIR_PATHS } from './support/json-mutation';
import { startRapportStack, SAMPLE_PAIR, type RapportStack } from '../harness/rapport-stack';
import { createTimeSkippingEnv } from '../harness/temporal-env';

const tally = createInputTally('cli');
let env: TestWorkflowEnvironment;
let stack: RapportStack;
let tempDir: string;
let pairId: string;
let opened = 0;
let closed = 0;

const open: OpenAdmin = async () => {
  opened += 1;
  return {
    admin: createPairAdmin({ db: stack.db, temporal: env.client, taskQueue: stack.taskQueue }),
    close: async () => {
      closed += 1;
    },
  };
};

beforeAll(async () => {
  tempDir = mkdtempSync(join(tmpdir(), 'rapport-bad-cli-'));
  env = await createTimeSkippingEnv();
  stack = await startRapportStack(env);
  ({ pairId } = await stack.createPair({
    ...SAMPLE_PAIR,
    manager: { name: 'Maya Manager', email: 'maya.cli-fuzz@example.com' },
    report: { name: 'Ravi Report', email: 'ravi.cli-fuzz@example.com' },
  }));
});

afterAll(async () => {
  tally.write();
  await stack?.stop();
  await env?.teardown();
  rmSync(tempDir, { recursive: true, force: true });
});

// ---- Running the CLI and checking what it says ---------------------------------------------------

interface CliRun {
  code: unknown;
  stdout: string[];
  /** Every line written to stderr (a write may hold several). */
  stderr: string[];
}

async function cli(argv: string[]): Promise<CliRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runCli(argv, { stdout: (text) => stdout.push(...text.split('\n')), stderr: (text) => stderr.push(...text.split('\n')) }, open);
  return { code, stdout, stderr };
}

const USAGE_HINT = /^Run "npm run cli -- .*--help" for (its usage|the commands)\.$/;

/** Exit 0, 1 or 2; a failure says why on "error:" lines, and only a usage error adds the hint. */
function expectToldClearly(run: CliRun): void {
  expect([0, 1, 2]).toContain(run.code);
  const stray = run.stderr.filter((line, index) => {
    if (line.startsWith('error: ') || line.startsWith('warning: ')) return false;
    return !(run.code === 2 && index === run.stderr.length - 1 && USAGE_HINT.test(line));
  });
  expect({ code: run.code, stray }).toEqual({ code: run.code, stray: [] });
  if (run.code !== 0) expect(run.stderr.some((line) => /^error: \S/.test(line))).toBe(true);
  expect(closed).toBe(opened);
}

async function storedState() {
  const [pairs, questionSets, target] = await Promise.all([
    stack.db.pair.count(),
    stack.db.questionSet.count(),
    stack.db.pair.findUniqueOrThrow({ where: { id: pairId } }),
  ]);
  return { pairs, questionSets, target };
}

/** Runs the CLI and checks it; a refused command (other than an import, which goes row by row) stores nothing. */
async function runAndCheck(target: string, argv: string[]): Promise<CliRun> {
  const before = await storedState();
  const run = await cli(argv).catch((error: unknown) => {
    tally.record(target, 'server-error');
    throw error;
  });
  tally.record(target, [1, 2].includes(run.code as number) ? 'rejected' : run.code === 0 ? 'accepted' : 'server-error');
  expectToldClearly(run);
  if (run.code !== 0 && !(argv[0] === 'pairs' && argv[1] === 'import')) expect(await storedState()).toEqual(before);
  return run;
}

let files = 0;
function tempFile(extension: string, content: string): string {
  files += 1;
  const path = join(tempDir, `input-${files}${extension}`);
  writeFileSync(path, content);
  return path;
}

// ---- Arbitraries -----------------------------------------------------------------------------------

const OPTION_NAMES = [...new Set(COMMANDS.flatMap((command) => command.options.map((option) => option.name)))];
const oddText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.constantFrom(
    '',
    '-',
    '--',
    '-1',
    'last',
    'monday',
    '10:00',
    'Europe/Berlin',
    'Mars/Olympus',
    '2030-01-01T10:00:00Z',
    '45',
    '1e3',
    'NaN',
    'json',
    'csv',
    'a\nb',
    '\u001b[31mred',
    'Émile 山田',
  ),
);
/** A value for an option or argument; the pair's real id often enough to reach the workflow. */
const argumentValue = fc.oneof({ weight: 3, arbitrary: oddText }, { weight: 1, arbitrary: fc.constant('PAIR_ID') });
const optionToken = fc.oneof(
  fc.constantFrom(...OPTION_NAMES).map((name) => `--${name}`),
  fc.tuple(fc.constantFrom(...OPTION_NAMES), oddText).map(([name, value]) => `--${name}=${value}`),
  fc.constantFrom('-h', '--help', '-x', '--bogus', '--'),
);
const commandWords = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...COMMANDS.map((command) => [command.group, command.name])) },
  { weight: 1, arbitrary: fc.array(fc.oneof(fc.constantFrom('pairs', 'question-sets', 'help'), oddText), { maxLength: 2 }) },
);
const argvArbitrary = fc.tuple(commandWords, fc.array(fc.oneof(optionToken, argumentValue), { maxLength: 8 })).map(([words, rest]) => [...words, ...rest]);

/**
 * The real pair's id in place of its placeholder; every file written inside the temp folder, and
 * every --file one written there first with the value as its content (no path of the machine's is read).
 */
function safeArgv(argv: string[]): string[] {
  const extension = () => (files % 2 === 0 ? '.yaml' : '.json');
  const outPath = () => join(tempDir, `out-${files++}${extension()}`);
  return argv.map((token, index) => {
    if (token === 'PAIR_ID') return pairId;
    if (token.startsWith('--out=')) return `--out=${outPath()}`;
    if (token.startsWith('--file=')) return `--file=${tempFile(extension(), token.slice('--file='.length))}`;
    if (argv[index - 1] === '--out') return outPath();
    if (argv[index - 1] === '--file') return tempFile(extension(), token);
    return token;
  });
}

/** YAML a person might write by hand: the right shape, or mistakes only YAML allows. */
const yamlOnly = fc.constantFrom(
  'reflection: &a [ { id: x, text: y, type: text, required: true } ]\nmanagerPrep: *a\nfollowUp: *a\nfeedback: *a\n',
  'reflection: !!binary aGVsbG8=\n',
  'reflection:\n  - id: x\n    text: !!js/function "function () {}"\n',
  'a: &a [*a]\n',
  '? [complex, key]\n: value\n',
  'reflection: .nan\nmanagerPrep: .inf\n',
  '%YAML 1.1\n---\nreflection: [ { id: x, text: yes, type: text, required: yes } ]\n',
  '{{{',
  '- - - -\n',
);

// ---- Properties ----------------------------------------------------------------------------------

it('ends any argv with 0, 1 or 2 and says every problem on an "error:" line', async () => {
  await fc.assert(
    fc.asyncProperty(argvArbitrary, async (argv) => {
      const run = await runAndCheck('argv', safeArgv(argv));
      // An accepted change is written by the workflow's activity: let it land before the next run compares.
      if (run.code === 0) await waitForStatus(pairHandle(env.client, pairId), () => true);
    }),
    { numRuns: 300 },
  );
});

it('edits a question set only from a valid JSON or YAML file, saying what is wrong with any other', async () => {
  const content = fc.oneof(
    {
      weight: 4,
      // A mutation may remove the whole value: JSON.stringify then gives nothing, and the file is empty.
      arbitrary: mutatedStages([]).map((stages) => ({
        text: (extension: string) => (extension === '.json' ? (JSON.stringify(stages) ?? '') : (yamlText(stages) ?? '')),
      })),
    },
    {
      weight: 1,
      arbitrary: fc.jsonValue().map((value) => ({ text: (extension: string) => (extension === '.json' ? JSON.stringify(value) : yamlText(value)) })),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((text) => ({ text: () => text })) },
    { weight: 1, arbitrary: yamlOnly.map((text) => ({ text: () => text })) },
  );
  await fc.assert(
    fc.asyncProperty(content, fc.constantFrom('.json', '.yaml', '.yml'), async (file, extension) => {
      const path = tempFile(extension, file.text(extension));
      const before = await storedState();
      const run = await runAndCheck(`question-sets edit --file (${extension})`, ['question-sets', 'edit', pairId, '--file', path, '--as', 'fuzz']);
      if (run.code === 0) expect((await storedState()).questionSets).toBe(before.questionSets + 1);
    }),
    { numRuns: 200 },
  );
});

it('creates a pair only from a valid JSON or YAML file, saying what is wrong with any other', async () => {
  let people = 0;
  const validPair = () => {
    people += 1;
    return {
      ...SAMPLE_PAIR,
      manager: { name: 'Mo Manager', email: `mo.file${people}@example.com` },
      report: { name: 'Rae Report', email: `rae.file${people}@example.com` },
    };
  };
  const content = fc.oneof({ weight: 4, arbitrary: mutated(validPair, PAIR_PATHS) }, { weight: 1, arbitrary: fc.jsonValue() });
  await fc.assert(
    fc.asyncProperty(content, fc.constantFrom('.json', '.yaml'), async (pair, extension) => {
      const path = tempFile(extension, extension === '.json' ? JSON.stringify(pair) : yamlText(pair));
      const run = await runAndCheck('pairs create --file', ['pairs', 'create', '--file', path]);
      const created = /^Created pair (\S+)\.$/.exec(run.stdout[0] ?? '')?.[1];
      if (created) await cli(['pairs', 'end', created]);
    }),
    { numRuns: 150 },
  );
});

it('imports any CSV file with a line for every row and "error:" for every refusal', async () => {
  const csv = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc
      .array(
        fc.array(fc.oneof(oddText, fc.constantFrom('manager_name', 'manager_email', 'weekly', '10:00', 'Europe/Berlin', '"a,\nb"', '"x""y"')), {
          minLength: 1,
          maxLength: 10,
        }),
        { minLength: 1, maxLength: 4 },
      )
      .map((rows) => rows.map((row) => row.join(',')).join('\n')),
  );
  await fc.assert(
    fc.asyncProperty(csv, async (text) => {
      await runAndCheck('pairs import FILE', ['pairs', 'import', tempFile('.csv', text)]);
    }),
    { numRuns: 150 },
  );
});

// ---- The words of a refusal ----------------------------------------------------------------------

const PAIR_ARGS = ['--manager-name', 'Maya Manager', '--manager-email', 'maya.words@example.com', '--report-name', 'Ravi Report'];

it('says what is wrong with a pair in plain words, each problem on an "error:" line of its own', async () => {
  const argv = [
    'pairs',
    'create',
    ...PAIR_ARGS,
    '--report-email',
    'not-an-email',
    '--cadence',
    'weekly',
    '--weekday',
    'monday',
    '--time',
    '9.30',
    '--time-zone',
    'Europe/Lisbn',
  ];
  const run = await runAndCheck('pairs create (plain words)', argv);
  expect(run.code).toBe(1);
  const errors = run.stderr.filter((line) => line.startsWith('error: '));
  expect(errors).toEqual([
    'error: This is not an email address: not-an-email',
    'error: Meeting time must be a time like 09:30, on a 24-hour clock',
    'error: Time zone not recognised: Europe/Lisbn — use a name like Europe/Lisbon',
  ]);
});

it('prints each problem of a refused import row on a line of its own, in plain words', async () => {
  const file = tempFile(
    '.csv',
    [
      'manager_name,manager_email,report_name,report_email,cadence,weekday,meeting_time,time_zone',
      'Ana Costa,ana.words@example.com,Bo Li,bo@,weekly,monday,25:00,Europe/Lisbon',
    ].join('\n'),
  );
  const run = await runAndCheck('pairs import (plain words)', ['pairs', 'import', file]);
  expect(run.code).toBe(1);
  const errors = run.stderr.filter((line) => line.startsWith('error: '));
  // The CLI may or may not name the row's people (the report gives them as `who`); the problems are one a line either way.
  expect(errors).toEqual([
    expect.stringMatching(/^error: Row 2, Ana Costa and Bo Li: This is not an email address: bo@$/),
    expect.stringMatching(/^error: Row 2, Ana Costa and Bo Li: Meeting time must be a time like 09:30, on a 24-hour clock$/),
  ]);
});
