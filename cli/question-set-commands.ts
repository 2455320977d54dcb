// The `question-sets` commands: a pair's questions, editing them from a JSON file, versions, rollback.
import { userInfo } from 'node:os';
import type { PairAdmin } from '../pairs/pair-admin';
import type { Question, QuestionSetStage, QuestionSetStages } from '../question-sets/question-types';
import { EXIT_OK, numberIn, PAIR_ID_ARGUMENT as PAIR_ID, type CliIo, type CommandSpec, type OptionSpec } from './cli-args';
import { dataFileText, isRecord, readDataFile, writeOutputFile } from './cli-files';
import { json, table, utcTime } from './cli-format';

const AS_OPTION: OptionSpec = { name: 'as', value: 'NAME', description: 'who the new version is recorded as made by (default: your login name)' };

type SavedVersion = Awaited<ReturnType<PairAdmin['saveQuestionSet']>>;

const STAGE_TITLES: Record<QuestionSetStage, string> = {
  reflection: 'Reflection (to the report, before the meeting)',
  managerPrep: 'Manager prep (to the manager, before the meeting)',
  followUp: 'Follow-up (to both, after the meeting)',
  feedback: 'Feedback on the manager (to the report, every Nth meeting)',
};

function questionLines(question: Question, index: number): string[] {
  const lines = [`  ${index + 1}. ${question.id} (${question.type}${question.required ? ', required' : ''}): ${question.text}`];
  const indent = ' '.repeat(`  ${index + 1}. `.length);
  if (question.options) lines.push(`${indent}options: ${question.options.join(' | ')}`);
  if (question.scaleLabels) lines.push(`${indent}1 = ${question.scaleLabels.low}, 5 = ${question.scaleLabels.high}`);
  if (question.maxLength !== undefined) lines.push(`${indent}at most ${question.maxLength} characters`);
  return lines;
}

function questionSetText(set: { version: number; scope: string; stages: QuestionSetStages }): string {
  const owner = set.scope === 'org' ? 'the organisation default' : "this pair's own";
  const stages = (Object.keys(STAGE_TITLES) as QuestionSetStage[]).map((stage) =>
    [`${STAGE_TITLES[stage]}:`, ...(set.stages[stage] ?? []).flatMap(questionLines)].join('\n'),
  );
  return [`Version ${set.version} (${owner})`, ...stages].join('\n\n');
}

/** The login name of whoever runs the CLI, for the audit trail of question-set versions. */
function loginName(): string {
  try {
    return userInfo().username || 'cli';
  } catch {
    return 'cli';
  }
}

function reportSaved(pairId: string, saved: SavedVersion, io: CliIo): number {
  io.stdout(`Saved version ${saved.version} of the question set of pair ${pairId}: ${saved.change}.`);
  if (!saved.notified) {
    io.stderr(`warning: the pair's workflow was not told (it has ended or could not be reached); forms read the current version when they are sent.`);
  }
  return EXIT_OK;
}

/** The stages in a file: bare QuestionSetStages, or wrapped in { stages } as `show --json` prints them. */
function stagesIn(content: unknown): unknown {
  if (isRecord(content) && 'stages' in content && !('reflection' in content)) return content.stages;
  return content;
}

const showCommand: CommandSpec = {
  group: 'question-sets',
  name: 'show',
  summary: "show the questions a pair's next forms ask",
  arguments: [PAIR_ID],
  options: [{ name: 'json', description: 'print JSON ({ version, scope, stages }) instead of text' }],
  async prepare({ arguments: { PAIR_ID: pairId }, flags }) {
    return async (admin, io) => {
      const set = await admin.questionSet(pairId);
      io.stdout(flags.has('json') ? json(set) : questionSetText(set));
      return EXIT_OK;
    };
  },
};

const editCommand: CommandSpec = {
  group: 'question-sets',
  name: 'edit',
  summary: "save a new version of a pair's question set from a JSON or YAML file",
  details: [
    'The file holds the stages: { "reflection": [...], "managerPrep": [...], "followUp": [...], "feedback": [...] },',
    'as question-sets export writes them (show --json output is accepted too). A file named .yaml or .yml is read as YAML.',
    'The set is checked exactly as the admin API checks it; every problem is printed.',
  ],
  arguments: [PAIR_ID],
  options: [{ name: 'file', value: 'STAGES.json|.yaml', description: 'the question set to save', required: true }, AS_OPTION],
  async prepare({ arguments: { PAIR_ID: pairId }, values }) {
    const stages = stagesIn(await readDataFile(values.get('file') ?? ''));
    const by = values.get('as') ?? loginName();
    return async (admin, io) => reportSaved(pairId, await admin.saveQuestionSet(pairId, stages, by), io);
  },
};

const exportCommand: CommandSpec = {
  group: 'question-sets',
  name: 'export',
  summary: "write a pair's current question set as JSON, ready to change and pass to edit",
  arguments: [PAIR_ID],
  options: [{ name: 'out', value: 'FILE', description: 'write to FILE (replacing it) instead of printing; YAML if it ends in .yaml or .yml' }],
  async prepare({ arguments: { PAIR_ID: pairId }, values }) {
    const out = values.get('out');
    return async (admin, io) => {
      const set = await admin.questionSet(pairId);
      if (out === undefined) {
        io.stdout(json(set.stages));
        return EXIT_OK;
      }
      await writeOutputFile(out, dataFileText(out, set.stages));
      io.stdout(`Wrote version ${set.version} of the question set of pair ${pairId} to ${out}.`);
      return EXIT_OK;
    };
  },
};

type VersionRow = Awaited<ReturnType<PairAdmin['questionSetVersions']>>[number];

/** The version a pair's forms use: its own latest, else the organisation default's latest. */
function currentVersion(rows: VersionRow[]): number | undefined {
  const own = rows.filter((row) => row.scope === 'pair');
  return (own.length > 0 ? own : rows).at(-1)?.version;
}

const versionsCommand: CommandSpec = {
  group: 'question-sets',
  name: 'versions',
  summary: "list the versions of a pair's question set, with who made them and why",
  arguments: [PAIR_ID],
  options: [],
  async prepare({ arguments: { PAIR_ID: pairId } }) {
    return async (admin, io) => {
      const rows = await admin.questionSetVersions(pairId);
      const cells = rows.map((row) => [String(row.version), row.scope, row.createdBy, utcTime(row.createdAt), row.note ?? '']);
      io.stdout(table(['VERSION', 'SCOPE', 'BY', 'AT', 'NOTE'], cells));
      const current = currentVersion(rows);
      if (current !== undefined) io.stdout(`The pair's forms use version ${current}.`);
      return EXIT_OK;
    };
  },
};

const rollbackCommand: CommandSpec = {
  group: 'question-sets',
  name: 'rollback',
  summary: 'save an earlier version again as the newest one',
  arguments: [PAIR_ID],
  options: [{ name: 'version', value: 'N', description: 'the version to go back to (see versions)', required: true }, AS_OPTION],
  async prepare({ arguments: { PAIR_ID: pairId }, values }) {
    const version = numberIn(values.get('version') ?? '');
    const by = values.get('as') ?? loginName();
    return async (admin, io) => reportSaved(pairId, await admin.rollbackQuestionSet(pairId, version, by), io);
  },
};

export const QUESTION_SET_COMMANDS: CommandSpec[] = [showCommand, editCommand, exportCommand, versionsCommand, rollbackCommand];
