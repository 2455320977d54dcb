// Importing pairs from CSV: the parser, the checks of each row, and an import into a real stack.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  importPairs,
  MAX_FIELD_LENGTH,
  MAX_IMPORT_BYTES,
  MAX_IMPORT_ROWS,
  MAX_LISTED_REFUSED_ROWS,
  PAIR_COLUMNS,
  parsePairCsv,
  rowToNewPair,
  type ParsedRow,
  type PairColumn,
} from '../pairs/pair-import';
import { pairSettingsFromRow } from '../pairs/pair-rows';
import { InvalidPairError, PairExistsError, pairHandle, registerPair, startPairWorkflow, withDefaults, type NewPair } from '../pairs/registration';
import { importSummary } from '../cli/pair-views';
import { endPairUpdate } from '../workflows/pair-messages';
import { DEFAULT_OFFSETS } from '../workflows/pair-types';
import { problem, requestProblem } from '../workflows/problem-list';
import { startRapportStack, type RapportStack } from '../harness/rapport-stack';
import { createTimeSkippingEnv } from '../harness/temporal-env';

const HEADER = 'manager_name,manager_email,report_name,report_email,cadence,weekday,ordinal,meeting_time,time_zone';
const MAYA_RAVI = 'Maya Manager,maya@example.com,Ravi Report,ravi@example.com,weekly,thursday,,10:00,Europe/Berlin';

const VALID_VALUES: ParsedRow['values'] = {
  manager_name: 'Maya Manager',
  manager_email: 'maya@example.com',
  report_name: 'Ravi Report',
  report_email: 'ravi@example.com',
  cadence: 'weekly',
  weekday: 'thursday',
  meeting_time: '10:00',
  time_zone: 'Europe/Berlin',
};

function rowWith(change: Partial<Record<PairColumn, string | undefined>>): ParsedRow {
  const values: ParsedRow['values'] = { ...VALID_VALUES };
  for (const [column, value] of Object.entries(change) as [PairColumn, string | undefined][]) {
    if (value === undefined) delete values[column];
    else values[column] = value;
  }
  return { line: 2, values };
}

const problemsOf = (change: Partial<Record<PairColumn, string | undefined>>) => rowToNewPair(rowWith(change)).problems;
const ORDINAL_PROBLEM = 'Weekday of the month must be the first, second, third, fourth or last (1, 2, 3, 4 or -1): a fifth does not occur every month';

describe('parsePairCsv', () => {
  it('reads the header in any order and case, after a BOM, with CRLF line ends', () => {
    const text =
      '\uFEFFTime_Zone, MEETING_TIME ,weekday,cadence,report_email,report_name,manager_email,manager_name\r\n' +
      'Europe/Berlin,10:00,thursday,weekly,ravi@example.com,Ravi Report,maya@example.com,Maya Manager\r\n';
    expect(parsePairCsv(text)).toEqual({
      rows: [
        {
          line: 2,
          values: {
            time_zone: 'Europe/Berlin',
            meeting_time: '10:00',
            weekday: 'thursday',
            cadence: 'weekly',
            report_email: 'ravi@example.com',
            report_name: 'Ravi Report',
            manager_email: 'maya@example.com',
            manager_name: 'Maya Manager',
          },
        },
      ],
      problems: [],
    });
  });

  it('reads quoted fields with commas, doubled quotes and line breaks, and counts lines inside them', () => {
    const text = [
      `${HEADER},format_note`,
      `"Lee, Ann",ann@example.com,"Bo ""Bobby"" Berg",bo@example.com,weekly,1,,09:00,UTC,"Walk`,
      `then ""coffee""\r`,
      `at the corner"`,
      `${MAYA_RAVI},`,
      `Zoe,zoe@example.com,Kim,kim@example.com,monthly,friday,last,16:00,Asia/Tokyo,""`,
    ].join('\n');
    const { rows, problems } = parsePairCsv(text);
    expect(problems).toEqual([]);
    expect(rows.map((row) => row.line)).toEqual([2, 5, 6]);
    expect(rows[0].values).toMatchObject({ manager_name: 'Lee, Ann', report_name: 'Bo "Bobby" Berg', format_note: 'Walk\nthen "coffee"\r\nat the corner' });
    expect(rows[1].values.format_note).toBeUndefined();
    expect(rows[2].values).toMatchObject({ cadence: 'monthly', ordinal: 'last' });
  });

  it('keeps line numbers across blank lines and takes the file with or without a trailing line break', () => {
    const withBlankLines = `${HEADER}\n\n${MAYA_RAVI}\n,,,,,,,,\n\n${MAYA_RAVI}`;
    expect(parsePairCsv(withBlankLines).rows.map((row) => row.line)).toEqual([3, 6]);
    expect(parsePairCsv(`${HEADER}\n${MAYA_RAVI}\n`).rows).toHaveLength(1);
    expect(parsePairCsv(`${HEADER}\r\n${MAYA_RAVI}\r\n`).rows).toHaveLength(1);
    expect(parsePairCsv(`${HEADER}\n${MAYA_RAVI}`).rows).toHaveLength(1);
  });

  it('leaves out empty values and trims the rest', () => {
    const [row] = parsePairCsv(`${HEADER}\n  Maya Manager ,maya@example.com,Ravi Report,ravi@example.com,weekly,thursday,  ,10:00,Europe/Berlin`).rows;
    expect(row.values.manager_name).toBe('Maya Manager');
    expect('ordinal' in row.values).toBe(false);
  });

  it('names unknown, missing and repeated columns of the header', () => {
    expect(parsePairCsv('manager_name,manager_email,colour,,report_email,cadence,weekday,meeting_time,time_zone,weekday\nx').problems).toEqual([
      'Unknown column(s) in the header: colour, (empty). The columns are: manager_name, manager_email, report_name, report_email, cadence, weekday, ordinal, meeting_time, time_zone, duration_minutes, format_note, feedback_every, skip_nudge_after, reflection_before_hours, reminder_before_hours, agenda_before_minutes, follow_up_after_hours, working_days, calendar_invites.',
      'Missing required column(s) in the header: report_name.',
      'Column weekday appears more than once in the header.',
      'Line 2 has 1 fields but the header has 10; a value that contains a comma must be in double quotes.',
    ]);
  });

  it('names at most 20 unknown columns, counting the rest, and each repeated column once', () => {
    // As many as fit within the 100 columns a header may have.
    const unknown = Array.from({ length: 100 - PAIR_COLUMNS.length - 3 }, (_, index) => `extra_${index}`);
    const header = [...PAIR_COLUMNS, ...unknown, 'weekday', 'weekday', 'cadence'].join(',');
    const [unknownProblem, ...rest] = parsePairCsv(`${header}\nx`).problems;
    expect(unknownProblem).toBe(
      `Unknown column(s) in the header: ${unknown.slice(0, 20).join(', ')} and ${unknown.length - 20} more. The columns are: ${PAIR_COLUMNS.join(', ')}.`,
    );
    expect(rest.slice(0, 2)).toEqual(['Column weekday appears more than once in the header.', 'Column cadence appears more than once in the header.']);
  });

  it('refuses a header of more than 100 columns in one sentence', () => {
    const header = Array.from({ length: 101 }, (_, index) => `c${index}`).join(',');
    expect(parsePairCsv(`${header}\nx`).problems).toEqual([
      `The header has 101 columns, but a pair CSV has at most ${PAIR_COLUMNS.length}: ${PAIR_COLUMNS.join(', ')}.`,
    ]);
  });

  it(`refuses a value longer than ${MAX_FIELD_LENGTH} characters, which no column takes, naming where it is`, () => {
    const withNote = (note: string) => `${HEADER},format_note\n${MAYA_RAVI},"${note}"\n`;
    expect(parsePairCsv(withNote('x'.repeat(MAX_FIELD_LENGTH))).problems).toEqual([]);
    expect(parsePairCsv(withNote(` ${'x'.repeat(MAX_FIELD_LENGTH)} `)).problems).toEqual([]);
    expect(parsePairCsv(withNote('x'.repeat(MAX_FIELD_LENGTH + 1)))).toEqual({
      rows: [],
      problems: ['Line 2, field 10 has 1,001 characters; no value of a pair is longer than 1,000. Is this the right file?'],
    });
  });

  it('reads a huge quoted field with doubled quotes and line breaks quickly, keeping the line count', () => {
    // Trimmed, as every value is: the last line break does not count.
    const note = `${'ab""\r\n'.repeat(300_000)}`;
    const started = performance.now();
    const { problems } = parsePairCsv(`${HEADER},format_note\n${MAYA_RAVI},"${note}"\n${MAYA_RAVI},\n`);
    expect(performance.now() - started).toBeLessThan(500);
    expect(problems).toEqual([`Line 2, field 10 has 1,499,998 characters; no value of a pair is longer than 1,000. Is this the right file?`]);
    const short = parsePairCsv(`${HEADER},format_note\n${MAYA_RAVI},"${'ab""\r\n'.repeat(3)}"\n${MAYA_RAVI},\n`);
    expect(short.rows.map((row) => [row.line, row.values.format_note])).toEqual([
      [2, 'ab"\r\nab"\r\nab"'],
      [6, undefined],
    ]);
  });

  it('refuses an empty file and a file without rows', () => {
    expect(parsePairCsv('').problems).toEqual(['The file is empty: it needs a header row and one row per pair.']);
    expect(parsePairCsv('\uFEFF\r\n').problems).toEqual(['The file is empty: it needs a header row and one row per pair.']);
    expect(parsePairCsv(`${HEADER}\r\n`)).toEqual({ rows: [], problems: ['The file has a header but no rows: add one row per pair.'] });
  });

  it('reports malformed quoting and rows of the wrong width with their lines', () => {
    const text = [
      HEADER,
      `Maya O"Brien,maya@example.com,Ravi Report,ravi@example.com,weekly,thursday,,10:00,Europe/Berlin`,
      `"Maya" Manager,maya@example.com,Ravi Report,ravi@example.com,weekly,thursday,,10:00,Europe/Berlin`,
      `Maya Manager,maya@example.com,Ravi, Report,ravi@example.com,weekly,thursday,,10:00,Europe/Berlin`,
      `Maya Manager,maya@example.com,"Ravi`,
    ].join('\n');
    expect(parsePairCsv(text).problems).toEqual([
      'Line 2: a double quote inside a field that does not start with one; put the whole field in double quotes and double the quotes inside it ("O""Brien").',
      'Line 3: text after the closing double quote of a field; put the whole field in double quotes and double the quotes inside it.',
      'Line 5: a field that starts with a double quote is never closed.',
      'Line 4 has 10 fields but the header has 9; a value that contains a comma must be in double quotes.',
      'Line 5 has 3 fields but the header has 9; a value that contains a comma must be in double quotes.',
    ]);
  });

  it('lists ten line problems and sums up the rest', () => {
    const text = [HEADER, ...Array.from({ length: 12 }, () => 'a,b')].join('\n');
    const { problems } = parsePairCsv(text);
    expect(problems).toHaveLength(11);
    expect(problems[9]).toBe('Line 11 has 2 fields but the header has 9; a value that contains a comma must be in double quotes.');
    expect(problems[10]).toBe('… and 2 more problem(s) like these.');
  });

  it(`takes ${MAX_IMPORT_ROWS} rows and refuses one more`, () => {
    const file = (rows: number) => [HEADER, ...Array.from({ length: rows }, () => MAYA_RAVI)].join('\n');
    const atLimit = parsePairCsv(file(MAX_IMPORT_ROWS));
    expect(atLimit.problems).toEqual([]);
    expect(atLimit.rows).toHaveLength(MAX_IMPORT_ROWS);
    expect(parsePairCsv(file(MAX_IMPORT_ROWS + 1)).problems).toEqual([
      'The file has more than 5,000 rows, the most one import can take. Split it into smaller files.',
    ]);
  });

  it('takes 2 MiB and refuses a larger file without reading it', () => {
    // Padded with spaces, which are trimmed off: a value that long is refused on its own (below).
    const padded = (bytes: number) => `${HEADER},format_note\n${MAYA_RAVI},"${' '.repeat(bytes - HEADER.length - MAYA_RAVI.length - 17)}"\n`;
    expect(Buffer.byteLength(padded(MAX_IMPORT_BYTES))).toBe(MAX_IMPORT_BYTES);
    expect(parsePairCsv(padded(MAX_IMPORT_BYTES)).problems).toEqual([]);
    // Bytes, not characters: 'é' takes two.
    const multiByte = `${HEADER}\n${'é'.repeat(MAX_IMPORT_BYTES / 2 + 1)}`;
    expect(parsePairCsv(multiByte)).toEqual({
      rows: [],
      problems: ['The file is 2,049 KiB, more than the 2 MiB (2,048 KiB) one import can take. Split it into smaller files.'],
    });
  });
});

describe('rowToNewPair', () => {
  it('turns a row into a NewPair, leaving unset settings to the defaults', () => {
    expect(rowToNewPair(rowWith({}))).toEqual({
      pair: {
        manager: { name: 'Maya Manager', email: 'maya@example.com' },
        report: { name: 'Ravi Report', email: 'ravi@example.com' },
        settings: { cadence: { kind: 'weekly', everyWeeks: 1, weekday: 4 }, meetingTime: '10:00', timeZone: 'Europe/Berlin', offsets: DEFAULT_OFFSETS },
      },
      problems: [],
    });
  });

  it('reads every optional column, in the units the column names', () => {
    const { pair, problems } = rowToNewPair(
      rowWith({
        cadence: 'Every 2  Weeks',
        weekday: '1',
        meeting_time: '9:30',
        duration_minutes: '45',
        format_note: 'Walk and talk',
        feedback_every: '6',
        skip_nudge_after: '2',
        reflection_before_hours: '72',
        reminder_before_hours: '1.5',
        agenda_before_minutes: '30',
        follow_up_after_hours: '0.75',
      }),
    );
    expect(problems).toEqual([]);
    expect(pair).toEqual({
      manager: { name: 'Maya Manager', email: 'maya@example.com' },
      report: { name: 'Ravi Report', email: 'ravi@example.com' },
      settings: {
        cadence: { kind: 'weekly', everyWeeks: 2, weekday: 1 },
        meetingTime: '09:30',
        timeZone: 'Europe/Berlin',
        durationMinutes: 45,
        feedbackEveryCycles: 6,
        skipNudgeAfter: 2,
        offsets: { reflectionBefore: 72 * 60, reminderBefore: 90, agendaBefore: 30, followUpAfter: 45 },
      },
      formatNote: 'Walk and talk',
    });
  });

  it.each([
    ['last', -1],
    ['LAST', -1],
    ['1', 1],
    ['4', 4],
  ])('reads a monthly ordinal %s', (ordinal, expected) => {
    expect(rowToNewPair(rowWith({ cadence: 'monthly', weekday: 'Friday', ordinal })).pair?.settings.cadence).toEqual({
      kind: 'monthly',
      ordinal: expected,
      weekday: 5,
    });
  });

  it.each<[string, Partial<Record<PairColumn, string | undefined>>, string[]]>([
    ['manager_name', { manager_name: undefined }, ['Manager name is required']],
    ['manager_name', { manager_name: 'x'.repeat(201) }, ['Manager name is too long: at most 200 characters']],
    ['manager_name', { manager_name: 'Maya\nManager' }, ['Manager name must be on one line']],
    ['manager_email', { manager_email: undefined }, ['Manager email is required']],
    ['manager_email', { manager_email: 'maya' }, ['This is not an email address: maya']],
    ['report_name', { report_name: undefined }, ['Report name is required']],
    ['report_email', { report_email: 'ravi@example' }, ['This is not an email address: ravi@example']],
    ['report_email', { report_email: 'MAYA@example.com' }, ['The manager and the report must be two people: their email addresses are the same']],
    ['cadence', { cadence: undefined }, ['Cadence is required']],
    ['cadence', { cadence: 'daily' }, ['Cadence not recognised: daily — write weekly, every N weeks (like every 2 weeks) or monthly']],
    ['cadence', { cadence: 'every two weeks' }, ['Cadence not recognised: every two weeks — write weekly, every N weeks (like every 2 weeks) or monthly']],
    ['cadence', { cadence: 'every 53 weeks' }, ['Weeks between meetings must be a whole number from 1 to 52']],
    ['weekday', { weekday: undefined }, ['Weekday is required']],
    ['weekday', { weekday: 'Funday' }, ['Weekday not recognised: Funday — write a day from Monday to Sunday, or 1 to 7']],
    ['weekday', { weekday: '8' }, ['Weekday must be a day from Monday (1) to Sunday (7)']],
    ['ordinal', { ordinal: '2' }, ['Only a monthly cadence takes a weekday of the month (ordinal): leave it empty']],
    ['ordinal', { cadence: 'monthly' }, ['A monthly cadence needs the weekday of the month (ordinal): 1, 2, 3, 4 or last']],
    ['ordinal', { cadence: 'monthly', ordinal: 'first' }, ['Weekday of the month (ordinal) not recognised: first — write 1, 2, 3, 4 or last']],
    ['ordinal', { cadence: 'monthly', ordinal: '5' }, [ORDINAL_PROBLEM]],
    ['meeting_time', { meeting_time: undefined }, ['Meeting time is required']],
    ['meeting_time', { meeting_time: '24:00' }, ['Meeting time must be a time like 09:30, on a 24-hour clock']],
    ['meeting_time', { meeting_time: '10am' }, ['Meeting time must be a time like 09:30, on a 24-hour clock']],
    ['time_zone', { time_zone: undefined }, ['Time zone is required']],
    ['time_zone', { time_zone: 'Mars/Olympus' }, ['Time zone not recognised: Mars/Olympus — use a name like Europe/Lisbon']],
    ['duration_minutes', { duration_minutes: 'half an hour' }, ['Meeting length must be a whole number of minutes from 5 to 480']],
    ['duration_minutes', { duration_minutes: '481' }, ['Meeting length must be a whole number of minutes from 5 to 480']],
    ['format_note', { format_note: 'x'.repeat(201) }, ['Format or place is too long: at most 200 characters']],
    ['feedback_every', { feedback_every: '0' }, ['Feedback every N meetings: N must be a whole number from 1 to 52']],
    ['skip_nudge_after', { skip_nudge_after: '2.5' }, ['Skips before a nudge must be a whole number from 1 to 52']],
    [
      'reflection_before_hours',
      { reflection_before_hours: 'two days' },
      ['Hours before the meeting for the reflection form not recognised: two days — write a number of hours in whole minutes, like 48 or 1.5'],
    ],
    ['reflection_before_hours', { reflection_before_hours: '12' }, ['The reminder must go out after the reflection form: set it closer to the meeting']],
    ['reflection_before_hours', { reflection_before_hours: '2000' }, ['The reflection form must go out 0 to 60 days before the meeting, in whole minutes']],
    [
      'reminder_before_hours',
      { reminder_before_hours: '0.01' },
      ['Hours before the meeting for the reminder not recognised: 0.01 — write a number of hours in whole minutes, like 48 or 1.5'],
    ],
    [
      'agenda_before_minutes',
      { agenda_before_minutes: '1440' },
      ['The reminder must go out before the agenda: set it further from the meeting than the agenda'],
    ],
    ['agenda_before_minutes', { agenda_before_minutes: '-5' }, ['The agenda must go out 0 to 60 days before the meeting, in whole minutes']],
    [
      'follow_up_after_hours',
      { follow_up_after_hours: '0.25' },
      ['The follow-up must go out after the meeting ends: at least the meeting’s length after it starts'],
    ],
    [
      'follow_up_after_hours',
      { follow_up_after_hours: '130' },
      ['From the reflection form to the follow-up must take less than the time between two meetings: send the form later or the follow-up sooner'],
    ],
  ])('says in words what is wrong with %s (%j)', (_column, change, expected) => {
    expect(problemsOf(change)).toEqual(expected);
  });

  it('reads working days separated by semicolons or spaces and calendar invites as yes or no, refusing other values', () => {
    const { rows } = parsePairCsv(`${HEADER},working_days,calendar_invites\n${MAYA_RAVI},mon;Tue; wednesday,No\n`);
    expect(rowToNewPair(rows[0]).pair?.settings).toMatchObject({ workingDays: [1, 2, 3], calendarInvites: false });
    expect(rowToNewPair(rowWith({ working_days: '2 3 4 5 6', calendar_invites: 'yes' })).pair?.settings).toMatchObject({
      workingDays: [2, 3, 4, 5, 6],
      calendarInvites: true,
    });
    // Left out: Monday to Friday, and the organisation's default for invites.
    const defaults = rowToNewPair(rowWith({})).pair?.settings;
    expect(defaults).not.toHaveProperty('workingDays');
    expect(defaults).not.toHaveProperty('calendarInvites');
    expect(problemsOf({ working_days: 'mon;funday;8' })).toEqual([
      'Working days not recognised: "funday", "8" — write mon to sun, monday to sunday, or 1 (Monday) to 7 (Sunday), separated by ";"',
    ]);
    expect(problemsOf({ working_days: 'mon,tue' })).toEqual([
      'Working days not recognised: "mon,tue" — write mon to sun, monday to sunday, or 1 (Monday) to 7 (Sunday), separated by ";"',
    ]);
    expect(problemsOf({ working_days: 'mon;monday' })).toEqual(['Working days name a day twice']);
    expect(problemsOf({ working_days: ';' })).toEqual(['Working days must be one to seven days from Monday (1) to Sunday (7)']);
    expect(problemsOf({ calendar_invites: 'maybe', time_zone: 'Mars/Olympus' })).toEqual([
      'Time zone not recognised: Mars/Olympus — use a name like Europe/Lisbon',
      'Calendar invites not recognised: maybe — write yes or no',
    ]);
  });

  it('takes a problem to be about the fields it names before the value it quotes', () => {
    expect(problemsOf({ manager_email: 'cadence.weekday offsets.agendaBefore' })).toEqual([
      'This is not an email address: cadence.weekday offsets.agendaBefore',
    ]);
    expect(problemsOf({ time_zone: 'durationMinutes' })).toEqual(['Time zone not recognised: durationMinutes — use a name like Europe/Lisbon']);
  });

  it('quotes only the start of a long value', () => {
    expect(problemsOf({ weekday: 'x'.repeat(900) })).toEqual([
      `Weekday not recognised: ${'x'.repeat(60)}… (900 characters) — write a day from Monday to Sunday, or 1 to 7`,
    ]);
  });

  it('gives every problem of a row once, in column order', () => {
    expect(problemsOf({ manager_email: undefined, cadence: 'monthly', weekday: 'someday', ordinal: '5', meeting_time: '25:00', time_zone: 'Nowhere' })).toEqual(
      [
        'Manager email is required',
        'Weekday not recognised: someday — write a day from Monday to Sunday, or 1 to 7',
        ORDINAL_PROBLEM,
        'Meeting time must be a time like 09:30, on a 24-hour clock',
        'Time zone not recognised: Nowhere — use a name like Europe/Lisbon',
      ],
    );
  });
});

describe('importPairs with a stand-in createPair', () => {
  const csv = (...rows: string[]) => [HEADER, ...rows].join('\r\n');
  const person = (n: number) => `Person ${n},p${n}@example.com`;
  const rowFor = (manager: number, report: number) => `${person(manager)},${person(report)},weekly,monday,,10:00,UTC`;

  it('creates nothing when the file has a problem', async () => {
    const createPair = jest.fn(async () => ({ pairId: 'never' }));
    const report = await importPairs(csv(rowFor(1, 2), 'a,"b'), createPair);
    expect(report).toEqual({
      created: [],
      refused: [],
      fileProblems: [
        'Line 3: a field that starts with a double quote is never closed.',
        'Line 3 has 2 fields but the header has 9; a value that contains a comma must be in double quotes.',
      ],
    });
    expect(createPair).not.toHaveBeenCalled();
  });

  it('refuses a row for whatever createPair throws and carries on with the next', async () => {
    const failures: Record<string, Error> = {
      'p3@example.com': new PairExistsError('existing-id'),
      'p5@example.com': new InvalidPairError([problem('manager.email', 'manager.email is on the deny list'), requestProblem('try another')]),
      'p7@example.com': new Error('database is locked'),
    };
    const createPair = jest.fn(async (pair: NewPair) => {
      const failure = failures[pair.manager.email];
      if (failure) throw failure;
      return { pairId: `id-${pair.manager.email}` };
    });
    const report = await importPairs(csv(rowFor(1, 2), rowFor(3, 4), rowFor(5, 6), rowFor(7, 8), rowFor(9, 10)), createPair);
    expect(report).toEqual({
      created: [
        { line: 2, pairId: 'id-p1@example.com', manager: 'p1@example.com', report: 'p2@example.com' },
        { line: 6, pairId: 'id-p9@example.com', manager: 'p9@example.com', report: 'p10@example.com' },
      ],
      refused: [
        { line: 3, who: 'Person 3 and Person 4', reasons: ['A pair for this manager and report already exists (pair existing-id).'] },
        { line: 4, who: 'Person 5 and Person 6', reasons: ['manager.email is on the deny list', 'try another'] },
        { line: 5, who: 'Person 7 and Person 8', reasons: ['database is locked'] },
      ],
      fileProblems: [],
    });
    expect(createPair).toHaveBeenCalledTimes(5);
  });

  it(`lists the first ${MAX_LISTED_REFUSED_ROWS} refused rows and counts the rest, listing every row created`, async () => {
    const createPair = jest.fn(async (pair: NewPair) => ({ pairId: `id-${pair.report.email}` }));
    const refusedRows = Array.from({ length: 150 }, (_, index) => `${person(1000 + index)},${person(2000 + index)},weekly,monday,,10:00,Nowhere`);
    const createdRows = Array.from({ length: 200 }, (_, index) => rowFor(3000 + index, 4000 + index));
    const report = await importPairs(csv(...refusedRows, ...createdRows), createPair);
    expect(report.created).toHaveLength(200);
    expect(report.refused).toHaveLength(MAX_LISTED_REFUSED_ROWS);
    expect(report.refused[99]).toEqual({
      line: 101,
      who: 'Person 1099 and Person 2099',
      reasons: ['Time zone not recognised: Nowhere — use a name like Europe/Lisbon'],
    });
    expect(report.refusedNotListed).toBe(50);
    expect(importSummary(report)).toBe('200 pair(s) created, 150 row(s) refused. Only the first 100 refused rows are listed.');
  });

  it('names the people of each refused row: by name, else by a plain address, else not at all', async () => {
    const createPair = jest.fn(async (pair: NewPair) => ({ pairId: `id-${pair.report.email}` }));
    const report = await importPairs(
      csv(
        'Ana Costa,ana@example.com,Bo Li,bo@,weekly,monday,,10:00,UTC',
        ',ana@example.com,Bo\u202eLi,bo@example.com,weekly,monday,,25:00,UTC',
        ',not-an-email,,,weekly,monday,,10:00,UTC',
      ),
      createPair,
    );
    expect(report.refused).toEqual([
      { line: 2, who: 'Ana Costa and Bo Li', reasons: ['This is not an email address: bo@'] },
      {
        line: 3,
        who: 'ana@example.com and bo@example.com',
        reasons: [
          'Manager name is required',
          'Report name contains invisible characters that change the direction of text: remove them',
          'Meeting time must be a time like 09:30, on a 24-hour clock',
        ],
      },
      { line: 4, reasons: ['Manager name is required', 'This is not an email address: not-an-email', 'Report name is required', 'Report email is required'] },
    ]);
  });

  it('refuses a second row for the same pair, whatever the case of the addresses, but not after an invalid first one', async () => {
    const createPair = jest.fn(async (pair: NewPair) => ({ pairId: `id-${pair.report.email}` }));
    const report = await importPairs(
      csv(
        rowFor(1, 2),
        `Person 1,P1@Example.com,Person 2, P2@EXAMPLE.COM ,monthly,monday,last,10:00,UTC`,
        `${person(3)},${person(4)},weekly,monday,,10:00,Mars/Olympus`,
        rowFor(3, 4),
        rowFor(2, 1),
      ),
      createPair,
    );
    expect(report).toEqual({
      created: [
        { line: 2, pairId: 'id-p2@example.com', manager: 'p1@example.com', report: 'p2@example.com' },
        { line: 5, pairId: 'id-p4@example.com', manager: 'p3@example.com', report: 'p4@example.com' },
        { line: 6, pairId: 'id-p1@example.com', manager: 'p2@example.com', report: 'p1@example.com' },
      ],
      refused: [
        { line: 3, who: 'Person 1 and Person 2', reasons: ['Same pair as row 2: a pair is created once'] },
        { line: 4, who: 'Person 3 and Person 4', reasons: ['Time zone not recognised: Mars/Olympus — use a name like Europe/Lisbon'] },
      ],
      fileProblems: [],
    });
  });
});

describe('importPairs into a real stack', () => {
  let env: TestWorkflowEnvironment;
  let stack: RapportStack;

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    stack = await startRapportStack(env);
  });

  afterAll(async () => {
    await stack?.stop();
    await env?.teardown();
  });

  async function createPair(pair: NewPair): Promise<{ pairId: string }> {
    const { pairId, settings } = await registerPair(stack.db, pair);
    await startPairWorkflow(env.client, stack.taskQueue, pairId, settings);
    return { pairId };
  }

  it('creates the good rows, refuses the rest with reasons, and starts a workflow for each pair created', async () => {
    const existing = await stack.createPair({
      manager: { name: 'Erin Existing', email: 'erin@example.com' },
      report: { name: 'Eli Existing', email: 'eli@example.com' },
    });
    const file = [
      'manager_name,manager_email,report_name,report_email,cadence,weekday,ordinal,meeting_time,time_zone,duration_minutes,format_note',
      'Maya Manager,maya@example.com,Ravi Report,ravi@example.com,weekly,thursday,,10:00,Europe/Berlin,,',
      'Noor Manager,noor@example.com,Omar Report,omar@example.com,monthly,tuesday,last,15:30,America/New_York,45,"Walk and talk,',
      'then coffee"',
      'Maya M.,MAYA@example.com,Ravi R.,Ravi@Example.com,every 2 weeks,monday,,09:00,Europe/Berlin,,',
      'Erin Existing,erin@example.com,Eli Existing,eli@example.com,weekly,friday,,11:00,Europe/London,,',
      'Tara Manager,tara@example.com,Sam Report,sam@example.com,weekly,wednesday,,14:00,Mars/Olympus,,',
      'Una Manager,una@example.com,Vic Report,vic@example.com,monthly,monday,5,10:00,Europe/Paris,,',
    ].join('\r\n');

    const report = await importPairs(file, createPair);

    const stored = await stack.db.pair.findMany({ where: { id: { not: existing.pairId } }, orderBy: { managerEmail: 'asc' } });
    expect(stored.map((pair) => [pair.managerName, pair.managerEmail, pair.reportName, pair.reportEmail, pair.formatNote])).toEqual([
      ['Maya Manager', 'maya@example.com', 'Ravi Report', 'ravi@example.com', null],
      ['Noor Manager', 'noor@example.com', 'Omar Report', 'omar@example.com', 'Walk and talk,\r\nthen coffee'],
    ]);
    const [maya, noor] = stored;
    expect(report).toEqual({
      created: [
        { line: 2, pairId: maya.id, manager: 'maya@example.com', report: 'ravi@example.com' },
        { line: 3, pairId: noor.id, manager: 'noor@example.com', report: 'omar@example.com' },
      ],
      refused: [
        { line: 5, who: 'Maya M. and Ravi R.', reasons: ['Same pair as row 2: a pair is created once'] },
        { line: 6, who: 'Erin Existing and Eli Existing', reasons: [`A pair for this manager and report already exists (pair ${existing.pairId}).`] },
        { line: 7, who: 'Tara Manager and Sam Report', reasons: ['Time zone not recognised: Mars/Olympus — use a name like Europe/Lisbon'] },
        { line: 8, who: 'Una Manager and Vic Report', reasons: [ORDINAL_PROBLEM] },
      ],
      fileProblems: [],
    });
    expect(pairSettingsFromRow(maya)).toEqual(
      withDefaults({ cadence: { kind: 'weekly', everyWeeks: 1, weekday: 4 }, meetingTime: '10:00', timeZone: 'Europe/Berlin' }),
    );
    expect(pairSettingsFromRow(noor)).toEqual(
      withDefaults({ cadence: { kind: 'monthly', ordinal: -1, weekday: 2 }, meetingTime: '15:30', timeZone: 'America/New_York', durationMinutes: 45 }),
    );

    const handles = [maya, noor].map((pair) => pairHandle(env.client, pair.id));
    for (const handle of handles) expect((await handle.describe()).status.name).toBe('RUNNING');

    for (const handle of [...handles, existing.handle]) await handle.executeUpdate(endPairUpdate, { args: [{}] });
    for (const handle of handles) expect((await handle.result()).endedAfterCycle).toBeGreaterThanOrEqual(0);
  });
});
