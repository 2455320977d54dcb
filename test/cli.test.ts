// The command line: help and usage errors without any connection, every command against a real
// stack (time-skipping Temporal, SQLite, SMTP) with the admin API's own messages, and the real
// entry as a child process.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminError, createPairAdmin } from '../pairs/pair-admin';
import { commandName } from '../cli/cli-args';
import { COMMANDS, runCli, type OpenAdmin } from '../cli/cli-commands';
import { historyText } from '../cli/pair-record-commands';
import { pairHandle, type NewPair } from '../pairs/registration';
import { DEFAULT_QUESTION_SET } from '../question-sets/default-question-set';
import { waitForStatus } from './support/pair-driver';
import { startRapportStack, type RapportStack } from '../harness/rapport-stack';
import { createTimeSkippingEnv } from '../harness/temporal-env';
import { HELD_RATE_COUNTS } from '../pairs/pair-history';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(argv: string[], open: OpenAdmin): Promise<CliRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runCli(argv, { stdout: (text) => stdout.push(text), stderr: (text) => stderr.push(text) }, open);
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

let tempDir: string;
beforeAll(() => {
  tempDir = mkdtempSync(join(tmpdir(), 'rapport-cli-'));
});
afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

function tempFile(name: string, content: string): string {
  const path = join(tempDir, name);
  writeFileSync(path, content);
  return path;
}

describe('help and usage errors, without opening any connection', () => {
  const open = jest.fn<ReturnType<OpenAdmin>, []>(() => Promise.reject(new Error('open must not be called')));
  afterEach(() => expect(open).not.toHaveBeenCalled());
  const usage = (argv: string[]) => cli(argv, open);

  it('prints the top-level help for --help, -h and help', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const run = await usage(argv);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toContain('Usage: npm run cli -- COMMAND [ARGUMENTS] [OPTIONS]');
      for (const command of COMMANDS) expect(run.stdout).toContain(`  ${commandName(command)} `);
      expect(run.stdout).toContain('Exit status: 0 done, 1 refused or failed, 2 usage error.');
    }
  });

  it('prints each command group with its commands', async () => {
    for (const group of ['pairs', 'question-sets']) {
      const run = await usage([group, '--help']);
      expect(run.code).toBe(0);
      const listed = COMMANDS.filter((command) => command.group === group);
      for (const command of listed) expect(run.stdout).toContain(`  ${commandName(command)} `);
      expect(await usage(['help', group])).toEqual(run);
    }
  });

  it("prints every command's help with all its arguments and options, after any other argument too", async () => {
    for (const command of COMMANDS) {
      const run = await usage([command.group, command.name, '--help']);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout.startsWith(`Usage: npm run cli -- ${commandName(command)}`)).toBe(true);
      for (const argument of command.arguments) expect(run.stdout).toContain(`  ${argument.name}  `);
      for (const option of command.options)
        expect(run.stdout).toMatch(new RegExp(`^  --${option.name}( ${option.value?.replace(/[|.]/g, '\\$&') ?? ''})?  `, 'm'));
      expect(run.stdout).toContain('  -h, --help');
      expect(await usage([command.group, command.name, '--bogus', '-h'])).toEqual(run);
      expect(await usage(['help', command.group, command.name])).toEqual(run);
    }
  });

  it('refuses unknown commands and options with exit code 2', async () => {
    expect(await usage(['frobnicate'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: unknown command "frobnicate"; the commands are pairs, question-sets and help\nRun "npm run cli -- --help" for the commands.',
    });
    expect(await usage(['pairs', 'frobnicate'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'error: unknown command "frobnicate" for pairs; its commands are create, import, list, show, pause, resume, skip, reschedule, end, restart, schedule, history, export\n' +
        'Run "npm run cli -- pairs --help" for its usage.',
    });
    expect(await usage(['pairs', 'list', '--bogus', '-x', '--json=yes'])).toEqual({
      code: 2,
      stdout: '',
      stderr: [
        'error: unknown option --bogus for pairs list',
        'error: unknown option -x for pairs list',
        'error: --json takes no value',
        'Run "npm run cli -- pairs list --help" for its usage.',
      ].join('\n'),
    });
    expect((await usage(['--verbose'])).stderr).toContain('error: unknown option --verbose');
    expect((await usage([])).stderr).toContain('error: missing command');
    expect((await usage(['question-sets'])).stderr).toContain('error: question-sets needs a command: show, edit, export, versions, rollback');
  });

  it('refuses missing and extra arguments and option values with exit code 2', async () => {
    const cases: [string[], string[]][] = [
      [['pairs', 'show'], ['error: pairs show needs PAIR_ID']],
      [['pairs', 'pause', 'a', 'b'], ['error: unexpected argument "b" for pairs pause']],
      [['pairs', 'reschedule', 'p'], ['error: pairs reschedule needs --at ISO8601']],
      [
        ['pairs', 'reschedule', 'p', '--at'],
        ['error: --at needs a value (ISO8601)', 'error: pairs reschedule needs --at ISO8601'],
      ],
      [['pairs', 'skip', 'p', '--reason', 'a', '--reason', 'b'], ['error: --reason is given more than once']],
      [['question-sets', 'rollback', 'p'], ['error: question-sets rollback needs --version N']],
      [['pairs', 'schedule', 'p'], ['error: pairs schedule needs at least one option to change']],
      [['pairs', 'schedule', 'p', '--weekday', 'monday'], ['error: changing the cadence needs --cadence too']],
      [['pairs', 'schedule', 'p', '--cadence', 'monthly', '--weekday', '2'], ['error: --cadence monthly needs --ordinal 1-4|last']],
      [['pairs', 'export', 'p', '--format', 'xml'], ['error: --format must be json or csv, not "xml"']],
      [
        ['pairs', 'create', '--manager-name', 'Maya', '--cadence', 'monthly', '--every-weeks', '2'],
        [
          'error: pairs create needs --manager-email (or --file PAIR.json)',
          'error: pairs create needs --report-name (or --file PAIR.json)',
          'error: pairs create needs --report-email (or --file PAIR.json)',
          'error: pairs create needs --weekday (or --file PAIR.json)',
          'error: pairs create needs --time (or --file PAIR.json)',
          'error: pairs create needs --time-zone (or --file PAIR.json)',
          'error: --cadence monthly needs --ordinal 1-4|last',
          'error: --every-weeks goes with --cadence weekly only',
        ],
      ],
      [['pairs', 'create', '--file', 'pair.json', '--time', '10:00'], ['error: --file cannot be combined with --time']],
    ];
    for (const [argv, problems] of cases) {
      const { code, stdout, stderr } = await usage(argv);
      const lines = stderr.split('\n');
      expect({ argv, code, stdout, problems: lines.slice(0, -1) }).toEqual({ argv, code: 2, stdout: '', problems });
      expect(lines.at(-1)).toMatch(/^Run "npm run cli -- .* --help" for its usage\.$/);
    }
  });

  it('reads input files before connecting, failing with exit code 1', async () => {
    const missing = join(tempDir, 'missing.csv');
    expect(await usage(['pairs', 'import', missing])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error: cannot read .*missing\.csv: ENOENT/) });
    const broken = tempFile('broken.json', '{ "reflection": [');
    expect(await usage(['question-sets', 'edit', 'p', '--file', broken])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^error: .*broken\.json is not valid JSON: /),
    });
    const brokenYaml = tempFile('broken.yaml', 'reflection:\n  - id: a\n   text: [');
    expect(await usage(['question-sets', 'edit', 'p', '--file', brokenYaml])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^error: .*broken\.yaml is not valid YAML: /),
    });
  });
});

describe('every command against a real stack', () => {
  let env: TestWorkflowEnvironment;
  let stack: RapportStack;
  let opened = 0;
  let closed = 0;
  const created: string[] = [];

  const open: OpenAdmin = async () => {
    opened += 1;
    return {
      admin: createPairAdmin({ db: stack.db, temporal: env.client, taskQueue: stack.taskQueue }),
      close: async () => {
        closed += 1;
      },
    };
  };
  const run = (...argv: string[]) => cli(argv, open);

  // Times read in the pair's zone with the machine's beside them: the machine is in UTC here.
  const machineZone = process.env.TZ;
  beforeAll(async () => {
    process.env.TZ = 'UTC';
    env = await createTimeSkippingEnv();
    stack = await startRapportStack(env);
  });

  afterAll(async () => {
    if (machineZone === undefined) delete process.env.TZ;
    else process.env.TZ = machineZone;
    await stack?.stop();
    await env?.teardown();
  });

  /** "Thu 10 Dec, 10:00 Berlin (09:00 UTC)" as a pattern; the year only outside this one. */
  const berlinTime = (day: string, time: string) => String.raw`${day} \d{1,2} [A-Z][a-z]{2}( \d{4})?, ${time} Berlin \(\d\d:\d\d UTC\)`;

  afterEach(() => expect(closed).toBe(opened));

  let people = 0;
  function pairOptions(overrides: Record<string, string> = {}): string[] {
    people += 1;
    const options: Record<string, string> = {
      'manager-name': 'Maya Manager',
      'manager-email': `maya-cli${people}@example.com`,
      'report-name': 'Ravi Report',
      'report-email': `ravi-cli${people}@example.com`,
      cadence: 'weekly',
      weekday: 'thursday',
      time: '10:00',
      'time-zone': 'Europe/Berlin',
      ...overrides,
    };
    return Object.entries(options).flatMap(([name, value]) => [`--${name}`, value]);
  }

  async function createPair(options = pairOptions()): Promise<string> {
    const result = await run('pairs', 'create', ...options);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const pairId = /^Created pair ([0-9a-f-]{36})\.$/.exec(result.stdout)?.[1];
    if (!pairId) throw new Error(`no pair id in ${result.stdout}`);
    created.push(pairId);
    await waitForStatus(pairHandle(env.client, pairId), (status) => status.cycle === 1);
    return pairId;
  }

  it("creates a pair from options or a JSON file, refusing a duplicate with the API's message", async () => {
    const options = pairOptions({ duration: '45', 'format-note': 'Walk and talk', 'feedback-every': '6' });
    const pairId = await createPair(options);
    const { pair } = await createPairAdmin({ db: stack.db, temporal: env.client, taskQueue: stack.taskQueue }).showPair(pairId);
    expect(pair).toMatchObject({
      durationMinutes: 45,
      formatNote: 'Walk and talk',
      feedbackEveryCycles: 6,
      cadence: '{"kind":"weekly","everyWeeks":1,"weekday":4}',
    });

    const duplicate = await run('pairs', 'create', ...options);
    const apiAnswer = await createPairAdmin({ db: stack.db, temporal: env.client, taskQueue: stack.taskQueue })
      .createPair({
        manager: { name: 'Maya Manager', email: pair.managerEmail },
        report: { name: 'Ravi Report', email: pair.reportEmail },
        settings: { cadence: { kind: 'weekly', everyWeeks: 1, weekday: 4 }, meetingTime: '10:00', timeZone: 'Europe/Berlin' },
      })
      .catch((error: AdminError) => error);
    expect(apiAnswer).toBeInstanceOf(AdminError);
    expect(duplicate).toEqual({ code: 1, stdout: '', stderr: `error: ${(apiAnswer as AdminError).sentences[0]}` });
    expect(duplicate.stderr).toBe(`error: A pair for this manager and report already exists (pair ${pairId}).`);

    people += 1;
    const fromFile: NewPair = {
      manager: { name: 'Mo Manager', email: `mo-cli${people}@example.com` },
      report: { name: 'Rae Report', email: `rae-cli${people}@example.com` },
      settings: { cadence: { kind: 'monthly', ordinal: -1, weekday: 2 }, meetingTime: '09:30', timeZone: 'America/New_York' },
    };
    await createPair(['--file', tempFile('pair.json', JSON.stringify(fromFile))]);
  });

  it('prints every problem of an invalid pair, as the API words them', async () => {
    const invalid = await run(
      'pairs',
      'create',
      ...pairOptions({
        'manager-name': '',
        'manager-email': 'not-an-email',
        cadence: 'monthly',
        ordinal: '5',
        weekday: 'funday',
        time: '25:00',
        'time-zone': 'Mars/Olympus',
        duration: 'long',
      }),
    );
    expect(invalid).toEqual({
      code: 1,
      stdout: '',
      stderr: [
        'error: Manager name is required',
        'error: This is not an email address: not-an-email',
        'error: Weekday of the month must be the first, second, third, fourth or last (1, 2, 3, 4 or -1): a fifth does not occur every month',
        'error: Weekday must be a day from Monday (1) to Sunday (7)',
        'error: Meeting time must be a time like 09:30, on a 24-hour clock',
        'error: Meeting length must be a whole number of minutes from 5 to 480',
        'error: Time zone not recognised: Mars/Olympus — use a name like Europe/Lisbon',
      ].join('\n'),
    });
    expect((await run('pairs', 'create', ...pairOptions({ cadence: 'fortnightly' }))).stderr).toBe(
      'error: Cadence must be weekly or monthly (or demo, a meeting every few minutes for trying Rapport out)',
    );
  });

  it('lists and shows pairs as text and as JSON', async () => {
    const pairId = await createPair();
    const email = `maya-cli${people}@example.com`;
    const listed = await run('pairs', 'list', '--manager', email);
    expect(listed.code).toBe(0);
    const [header, row, ...rest] = listed.stdout.split('\n');
    expect(header).toMatch(/^PAIR +MANAGER +REPORT +STATE +STAGE +MEETING +NEXT EVENT +SKIPS$/);
    expect(row).toMatch(
      new RegExp(
        `^${pairId}  Maya Manager <${email}> +Ravi Report <ravi-cli${people}@example.com> +active +Reflection +${berlinTime('Thu', '10:00')} +Reflection, ${berlinTime('Tue', '10:00')} +0$`,
      ),
    );
    expect(rest).toEqual([]);
    const asJson = JSON.parse((await run('pairs', 'list', '--manager', email, '--json')).stdout) as { pairs: unknown[] };
    expect(asJson.pairs).toEqual([expect.objectContaining({ pairId, state: 'active', stage: 'reflection', cycle: 1, consecutiveSkips: 0 })]);
    // The JSON keeps the ids and ISO instants.
    expect((asJson.pairs[0] as { nextEvent: { stage: string; at: string } }).nextEvent).toEqual({
      stage: 'reflection',
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect((await run('pairs', 'list', '--manager', 'nobody-at-all')).stdout).toBe('No pairs.');

    const shown = await run('pairs', 'show', pairId);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`Manager          Maya Manager <${email}>`);
    expect(shown.stdout).toContain('Schedule         weekly on Thursday at 10:00 Europe/Berlin, 30 minutes');
    expect(shown.stdout).toMatch(new RegExp(`^Stage +Reflection next, for the meeting on Thu \\d{1,2} [A-Z][a-z]{2}( \\d{4})?$`, 'm'));
    expect(shown.stdout).toMatch(new RegExp(`^Meeting +${berlinTime('Thu', '10:00')}$`, 'm'));
    expect(shown.stdout).toMatch(new RegExp(`^Next events:\\n {2}Reflection +${berlinTime('Tue', '10:00')}$`, 'm'));
    expect(shown.stdout).not.toMatch(/\d{4}-\d\d-\d\dT|cycle \d/);
    const shownJson = JSON.parse((await run('pairs', 'show', pairId, '--json')).stdout) as { pair: { id: string }; status: { cycle: number } };
    expect(shownJson).toMatchObject({ pair: { id: pairId }, status: { cycle: 1 } });
    expect(await run('pairs', 'show', 'nope')).toEqual({ code: 1, stdout: '', stderr: 'error: There is no pair nope.' });
  });

  it('pauses, resumes, skips and reschedules through the workflow, printing its refusals', async () => {
    const pairId = await createPair();
    const handle = pairHandle(env.client, pairId);
    expect(await run('pairs', 'pause', pairId)).toEqual({ code: 0, stdout: `Paused pair ${pairId}.`, stderr: '' });
    expect(await run('pairs', 'pause', pairId)).toEqual({ code: 1, stdout: '', stderr: 'error: The pair is already paused.' });
    await waitForStatus(handle, (status) => status.state === 'paused');
    expect((await run('pairs', 'list', '--paused', '--json')).stdout).toContain(pairId);

    expect(await run('pairs', 'resume', pairId)).toEqual({ code: 0, stdout: `Resumed pair ${pairId}.`, stderr: '' });
    await waitForStatus(handle, (status) => status.state === 'active');
    expect((await run('pairs', 'list', '--paused', '--json')).stdout).not.toContain(pairId);

    expect(await run('pairs', 'reschedule', pairId, '--at', '2001-01-01T10:00:00Z')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: A meeting cannot be rescheduled into the past',
    });
    const { meetingAt } = await waitForStatus(handle, () => true);
    const oneHourLater = new Date(Date.parse(meetingAt ?? '') + 3_600_000).toISOString();
    const moved = await run('pairs', 'reschedule', pairId, '--at', oneHourLater);
    expect(moved).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(new RegExp(`^Moved the meeting of pair ${pairId} to ${berlinTime('Thu', '11:00')}\\.$`)),
    });

    expect(await run('pairs', 'skip', pairId, '--reason', 'offsite')).toEqual({
      code: 0,
      stdout: `Skipped the upcoming meeting of pair ${pairId}.`,
      stderr: '',
    });
    expect(await waitForStatus(handle, (status) => status.consecutiveSkips === 1)).toMatchObject({ consecutiveSkips: 1 });
  });

  it('exports, edits, lists and rolls back question-set versions', async () => {
    const pairId = await createPair();
    const exportedPath = join(tempDir, 'stages.json');
    expect(await run('question-sets', 'export', pairId, '--out', exportedPath)).toEqual({
      code: 0,
      stdout: `Wrote version 1 of the question set of pair ${pairId} to ${exportedPath}.`,
      stderr: '',
    });
    const exported = JSON.parse(readFileSync(exportedPath, 'utf8')) as typeof DEFAULT_QUESTION_SET;
    expect(exported).toEqual(DEFAULT_QUESTION_SET);
    expect(JSON.parse((await run('question-sets', 'export', pairId)).stdout)).toEqual(DEFAULT_QUESTION_SET);

    const learning = { id: 'learning', text: 'What did you learn this week?', type: 'text', required: false };
    writeFileSync(exportedPath, JSON.stringify({ ...exported, reflection: [...exported.reflection, learning] }, null, 2));
    expect(await run('question-sets', 'edit', pairId, '--file', exportedPath, '--as', 'cli-test')).toEqual({
      code: 0,
      stdout: `Saved version 2 of the question set of pair ${pairId}: reflection: added learning.`,
      stderr: '',
    });
    const shown = await run('question-sets', 'show', pairId);
    expect(shown.stdout).toMatch(/^Version 2 \(this pair's own\)\n\nReflection \(to the report, before the meeting\):\n {2}1\. topics \(text, required\): /);
    expect(shown.stdout).toContain('  6. learning (text): What did you learn this week?');
    expect(shown.stdout).toContain('     1 = drained, 5 = energised');

    const versions = await run('question-sets', 'versions', pairId);
    expect(versions.code).toBe(0);
    expect(versions.stdout.split('\n').map((line) => line.split(/ {2,}/).filter((cell) => !/^\d{4}-/.test(cell)))).toEqual([
      ['VERSION', 'SCOPE', 'BY', 'AT', 'NOTE'],
      ['1', 'org', 'rapport', 'built-in default'],
      ['2', 'pair', 'cli-test', 'reflection: added learning'],
      ["The pair's forms use version 2."],
    ]);

    expect(await run('question-sets', 'rollback', pairId, '--version', '1', '--as', 'cli-test')).toEqual({
      code: 0,
      stdout: `Saved version 3 of the question set of pair ${pairId}: rolled back to version 1.`,
      stderr: '',
    });
    expect(JSON.parse((await run('question-sets', 'show', pairId, '--json')).stdout)).toEqual({ version: 3, scope: 'pair', stages: DEFAULT_QUESTION_SET });
    expect(await run('question-sets', 'rollback', pairId, '--version', '99')).toEqual({ code: 1, stdout: '', stderr: 'error: there is no version 99' });
    expect(await run('question-sets', 'rollback', pairId, '--version', 'latest')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: version must be a whole number',
    });

    const broken = {
      ...DEFAULT_QUESTION_SET,
      reflection: [
        { id: 'topics', text: ' ', type: 'text', required: true },
        { id: 'topics', text: 'Again', type: 'mood', required: true },
      ],
    };
    expect(await run('question-sets', 'edit', pairId, '--file', tempFile('broken-stages.json', JSON.stringify(broken)))).toEqual({
      code: 1,
      stdout: '',
      stderr: [
        'error: Reflection question 1: the question needs text',
        'error: Reflection question 2: another question already has the id "topics"',
        'error: Reflection question 2: unknown type "mood": use text, scale, yesNo, choice or actionItems',
      ].join('\n'),
    });
  });

  it('reads and writes question sets as YAML too', async () => {
    const pairId = await createPair();
    const yamlPath = join(tempDir, 'stages.yaml');
    expect((await run('question-sets', 'export', pairId, '--out', yamlPath)).code).toBe(0);
    const written = readFileSync(yamlPath, 'utf8');
    expect(written).toMatch(/^reflection:\n {2}- id: topics\n/);
    const edited = written.replace('required: true', 'required: false');
    writeFileSync(yamlPath, edited);
    expect(await run('question-sets', 'edit', pairId, '--file', yamlPath, '--as', 'cli-test')).toEqual({
      code: 0,
      stdout: `Saved version 2 of the question set of pair ${pairId}: reflection: edited topics.`,
      stderr: '',
    });
    const saved = JSON.parse((await run('question-sets', 'show', pairId, '--json')).stdout);
    expect(saved.stages.reflection[0]).toMatchObject({ id: 'topics', required: false });
  });

  it("changes a schedule, and shows and exports a pair's record", async () => {
    const pairId = await createPair();
    expect(await run('pairs', 'schedule', pairId, '--time', '15:30', '--duration', '45', '--agenda-before', '90')).toEqual({
      code: 0,
      stdout: `Changed the schedule of pair ${pairId}: weekly on Thursday at 15:30 Europe/Berlin, 45 minutes.`,
      stderr: '',
    });
    const shown = JSON.parse((await run('pairs', 'show', pairId, '--json')).stdout);
    expect(shown.status.settings).toMatchObject({ meetingTime: '15:30', durationMinutes: 45, offsets: expect.objectContaining({ agendaBefore: 90 }) });
    expect(await run('pairs', 'schedule', pairId, '--cadence', 'monthly', '--ordinal', '5', '--weekday', 'tuesday', '--time-zone', 'Mars/Olympus')).toEqual({
      code: 1,
      stdout: '',
      stderr: [
        'error: Weekday of the month must be the first, second, third, fourth or last (1, 2, 3, 4 or -1): a fifth does not occur every month',
        'error: Time zone not recognised: Mars/Olympus — use a name like Europe/Lisbon',
      ].join('\n'),
    });
    expect(await run('pairs', 'schedule', pairId, '--reminder-before', '30')).toMatchObject({
      code: 1,
      stderr: 'error: The reminder must go out before the agenda: set it further from the meeting than the agenda',
    });

    expect(await run('pairs', 'history', pairId)).toEqual({ code: 0, stdout: 'No meetings yet.', stderr: '' });
    const history = JSON.parse((await run('pairs', 'history', pairId, '--json')).stdout);
    expect(history).toMatchObject({ pair: { id: pairId }, timeline: [], meetingsHeld: { rate: null } });

    const exported = JSON.parse((await run('pairs', 'export', pairId)).stdout);
    expect(exported.pair).toMatchObject({ id: pairId });
    const csvPath = join(tempDir, 'record.csv');
    expect(await run('pairs', 'export', pairId, '--format', 'csv', '--out', csvPath)).toEqual({
      code: 0,
      stdout: `Wrote the record of pair ${pairId} to ${csvPath}.`,
      stderr: '',
    });
    expect(readFileSync(csvPath, 'utf8').split('\r\n')[0]).toContain('question_id');
    expect(await run('pairs', 'history', 'no-such-pair')).toEqual({ code: 1, stdout: '', stderr: 'error: There is no pair no-such-pair.' });
  });

  it('imports pairs from CSV with a per-row report, exiting 1 when a row is refused', async () => {
    const csv = tempFile(
      'pairs.csv',
      [
        'manager_name,manager_email,report_name,report_email,cadence,weekday,meeting_time,time_zone',
        'Ada Lead,ada-cli@example.com,Bo Dev,bo-cli@example.com,weekly,tuesday,09:30,Europe/Berlin',
        'Ada Lead,ada-cli@example.com,Cy Dev,cy-cli@example.com,weekly,tuesday,11:00,Mars/Olympus',
      ].join('\n'),
    );
    const imported = await run('pairs', 'import', csv);
    expect(imported).toMatchObject({
      code: 1,
      stderr: 'error: Row 3, Ada Lead and Cy Dev: Time zone not recognised: Mars/Olympus — use a name like Europe/Lisbon',
    });
    const [createdLine, summary] = imported.stdout.split('\n');
    expect(summary).toBe('1 pair(s) created, 1 row(s) refused.');
    const pairId = /^Row 2: created pair ([0-9a-f-]{36}) \(ada-cli@example\.com and bo-cli@example\.com\)$/.exec(createdLine)?.[1];
    expect(pairId).toBeDefined();
    created.push(pairId as string);

    const headerOnly = await run('pairs', 'import', tempFile('empty.csv', 'manager_name,manager_email\n'));
    expect(headerOnly).toEqual({
      code: 1,
      stdout: 'Nothing was imported: fix the file and import it again.',
      stderr: [
        'error: Missing required column(s) in the header: report_name, report_email, cadence, weekday, meeting_time, time_zone.',
        'error: The file has a header but no rows: add one row per pair.',
      ].join('\n'),
    });
  });

  it('takes working days and calendar invites on create and schedule, refusing what it cannot read', async () => {
    const pairId = await createPair(pairOptions({ 'working-days': 'tue,wed, Thursday,5,sat', 'calendar-invites': 'off' }));
    const settingsOf = async () => (JSON.parse((await run('pairs', 'show', pairId, '--json')).stdout) as { status: { settings: object } }).status.settings;
    expect(await settingsOf()).toMatchObject({ workingDays: [2, 3, 4, 5, 6], calendarInvites: false });
    const shown = (await run('pairs', 'show', pairId)).stdout;
    expect(shown).toMatch(/^Working days +Tuesday to Saturday \(forms and reminders; the meeting keeps its day\)$/m);
    expect(shown).toMatch(/^Invites +no calendar invites$/m);

    expect(await run('pairs', 'schedule', pairId, '--working-days', 'mon,fri', '--calendar-invites', 'ON')).toMatchObject({ code: 0, stderr: '' });
    expect(await settingsOf()).toMatchObject({ workingDays: [1, 5], calendarInvites: true });

    expect(await run('pairs', 'schedule', pairId, '--working-days', 'mon,funday', '--calendar-invites', 'maybe')).toEqual({
      code: 2,
      stdout: '',
      stderr: [
        'error: --working-days: "funday" is not a weekday; write mon to sun, monday to sunday, or 1 (Monday) to 7 (Sunday)',
        'error: --calendar-invites must be on or off, not "maybe"',
        'Run "npm run cli -- pairs schedule --help" for its usage.',
      ].join('\n'),
    });
    expect(await run('pairs', 'create', ...pairOptions({ 'calendar-invites': 'yes' }))).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('error: --calendar-invites must be on or off, not "yes"'),
    });
    // What it can read goes to the service, which refuses it as the API does.
    expect(await run('pairs', 'schedule', pairId, '--working-days', 'mon,monday')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: Working days name a day twice',
    });
    expect(await run('pairs', 'schedule', pairId, '--working-days', ',')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: Working days must be one to seven days from Monday (1) to Sunday (7)',
    });
    expect(await settingsOf()).toMatchObject({ workingDays: [1, 5], calendarInvites: true });
  });

  it('ends every pair it created', async () => {
    for (const pairId of created) {
      expect(await run('pairs', 'end', pairId, '--reason', 'test over')).toEqual({ code: 0, stdout: `Ended pair ${pairId}.`, stderr: '' });
    }
    expect(await run('pairs', 'end', created[0])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error: /) });
  });
});

describe('the real entry', () => {
  const entry = (...args: string[]) =>
    new Promise<CliRun>((resolve) => {
      // TEMPORAL_ADDRESS is invalid on purpose: help and usage errors must not even read the configuration.
      const options = { cwd: join(__dirname, '..'), env: { ...process.env, TEMPORAL_ADDRESS: 'not an address' } };
      execFile('node_modules/.bin/tsx', ['cli/rapport-cli.ts', ...args], options, (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      });
    });

  it('exits with 0 for --help and 2 for an unknown command, without any server', async () => {
    const help = await entry('--help');
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toContain('Usage: npm run cli -- COMMAND [ARGUMENTS] [OPTIONS]');
    expect(await entry('pairs', 'frobnicate')).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'error: unknown command "frobnicate" for pairs; its commands are create, import, list, show, pause, resume, skip, reschedule, end, restart, schedule, history, export\n' +
        'Run "npm run cli -- pairs --help" for its usage.\n',
    });
    // With a command that runs, the configuration is read and its problem reported.
    expect(await entry('pairs', 'list')).toEqual({ code: 1, stdout: '', stderr: 'error: TEMPORAL_ADDRESS: must be host:port, e.g. localhost:7233\n' });
  });
});

describe('the history table', () => {
  it('names each meeting by its time in the pair’s zone and each form by its name; the JSON keeps the numbers', () => {
    const cycle = (number: number, meetingAt: string, status: 'held' | 'skipped', forms: { kind: 'reflection' | 'managerPrep'; answered: boolean }[]) => ({
      number,
      meetingAt,
      status,
      skipReason: status === 'skipped' ? 'offsite' : null,
      closedAt: null,
      forms: forms.map((form) => ({ ...form, recipient: 'report' as const, sentAt: meetingAt, closedAt: null, answeredAt: null })),
      actionItems: [],
      confirmedBy: [],
    });
    const history = {
      pair: {
        id: 'p1',
        managerName: 'M',
        reportName: 'R',
        managerEmail: 'm@example.com',
        reportEmail: 'r@example.com',
        status: 'active',
        timeZone: 'Europe/Lisbon',
      },
      timeline: [
        cycle(1, '2030-12-12T10:00:00.000Z', 'held', [
          { kind: 'reflection', answered: true },
          { kind: 'managerPrep', answered: false },
        ]),
        cycle(2, '2030-12-19T10:00:00.000Z', 'skipped', []),
      ],
      questions: [],
      scaleSeries: [],
      meetingsHeld: { held: 1, unconfirmed: 0, skipped: 1, notHeld: 0, closed: 2, rate: 0.5, rateCounts: HELD_RATE_COUNTS },
      actionItems: { done: 0, total: 0, rate: null },
      feedback: { results: [], series: [] },
    };
    const cells = historyText(history, 'Asia/Tokyo')
      .split('\n')
      .slice(0, 3)
      .map((line) => line.split(/ {2,}/));
    expect(cells).toEqual([
      ['MEETING', 'STATUS', 'ANSWERED', 'FORMS', 'ACTION ITEMS'],
      ['Thu 12 Dec 2030, 10:00 Lisbon (19:00 Tokyo)', 'held', '1/2', 'Reflection ✓, Manager prep', '0'],
      ['Thu 19 Dec 2030, 10:00 Lisbon (19:00 Tokyo)', 'skipped (offsite)', '0/0', '-', '0'],
    ]);
  });
});
