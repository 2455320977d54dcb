// Arbitraries for bodies and files that are almost right: a valid value with a few fields
// replaced, removed or added, so that each input is refused (or not) for a reason of its own.
import fc from 'fast-check';
import { DEFAULT_QUESTION_SET } from '../../question-sets/default-question-set';

type Json = Record<string, unknown>;

/** Values a careless client or an attacker sends: wrong types, edge numbers, control characters, markup. */
export const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    'Mars/Olympus',
    'Europe/Berlin',
    '25:00',
    '09:30',
    'weekly',
    'monthly',
    'demo',
    'Émile 山田',
    'a\r\nBcc: x@evil.example',
    '<b>x</b>',
    'x@example.com',
  ),
  fc.constantFrom(0, -1, 1, 3, 4, 5, 7, 8, 52, 53, 480, 1e9, 1.5, -0),
  fc.constantFrom({ toString: 1 }, { valueOf: 'x' }, { low: 'a', high: 'b' }, ['a', 'b'], null, true),
);

/** The value with the field at `path` replaced (or removed, for undefined). */
export function withField(value: unknown, path: string[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const record: Json = typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...(value as Json) } : {};
  const [head, ...rest] = path;
  const next = withField(record[head], rest, replacement);
  if (next === undefined) delete record[head];
  else record[head] = next;
  return record;
}

/** `valid()` with up to three of `paths` replaced by odd values or removed. */
export function mutated(valid: () => unknown, paths: string[][]): fc.Arbitrary<unknown> {
  const change = fc.tuple(fc.constantFrom(...paths), fc.option(oddValue, { nil: undefined }));
  return fc
    .array(change, { maxLength: 3 })
    .map((changes) => changes.reduce<unknown>((value, [path, replacement]) => withField(value, path, replacement), valid()));
}

export const PAIR_PATHS = [
  ['manager'],
  ['manager', 'name'],
  ['manager', 'email'],
  ['report'],
  ['report', 'name'],
  ['report', 'email'],
  ['settings'],
  ['settings', 'cadence'],
  ['settings', 'cadence', 'kind'],
  ['settings', 'cadence', 'everyWeeks'],
  ['settings', 'cadence', 'weekday'],
  ['settings', 'cadence', 'ordinal'],
  ['settings', 'meetingTime'],
  ['settings', 'timeZone'],
  ['settings', 'durationMinutes'],
  ['settings', 'offsets'],
  ['settings', 'offsets', 'reminderBefore'],
  ['settings', 'feedbackEveryCycles'],
  ['settings', 'skipNudgeAfter'],
  ['formatNote'],
  ['extra'],
];

export const QUESTION_FIELDS = ['id', 'text', 'type', 'required', 'options', 'maxLength', 'scaleLabels', 'extra'];
const STAGES = ['reflection', 'managerPrep', 'followUp', 'feedback'] as const;

/** Paths into question-set stages, under `prefix` (e.g. ["stages"] for the API's body). */
export function questionSetPaths(prefix: string[]): string[][] {
  return [
    prefix,
    [...prefix, 'disabledStages'],
    [...prefix, 'extra'],
    ...STAGES.map((stage) => [...prefix, stage]),
    ...STAGES.flatMap((stage) => ['0', '1'].flatMap((index) => QUESTION_FIELDS.map((name) => [...prefix, stage, index, name]))),
  ];
}

/** The default stages with each list as a record keyed "0", "1", … so that withField can reach into it. */
export function defaultStagesAsRecords(): Json {
  return Object.fromEntries(
    STAGES.map((stage) => [stage, Object.fromEntries(DEFAULT_QUESTION_SET[stage].map((question, index) => [String(index), { ...question }]))]),
  );
}

/** Turns records keyed "0", "1", … back into lists. */
export function listsRestored(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(listsRestored);
  const record = value as Json;
  const keys = Object.keys(record);
  if (keys.length > 0 && keys.every((key) => /^\d+$/.test(key))) return keys.sort((a, b) => Number(a) - Number(b)).map((key) => listsRestored(record[key]));
  return Object.fromEntries(keys.map((key) => [key, listsRestored(record[key])]));
}

/** Question-set stages (wrapped in `prefix`) that are almost right. */
export function mutatedStages(prefix: string[]): fc.Arbitrary<unknown> {
  return mutated(() => withField({}, prefix, defaultStagesAsRecords()), questionSetPaths(prefix)).map(listsRestored);
}
