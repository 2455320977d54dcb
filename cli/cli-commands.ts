// The CLI's logic: finds the command, answers help, parses and prepares the command, and only then
// opens the connections, runs it, and turns every failure into "error: " lines and an exit code.
import { AdminError, type PairAdmin } from '../pairs/pair-admin';
import { ConfigError } from '../config/config';
import {
  asksForHelp,
  CommandFailed,
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  parseCommandArgs,
  UsageError,
  type CliIo,
  type CommandAction,
  type CommandSpec,
} from './cli-args';
import { errorLine } from './cli-format';
import { commandHelp, groupHelp, GROUPS, helpHint, topHelp, type Group } from './cli-help';
import { PAIR_COMMANDS } from './pair-commands';
import { PAIR_RECORD_COMMANDS } from './pair-record-commands';
import { QUESTION_SET_COMMANDS } from './question-set-commands';

export const COMMANDS: CommandSpec[] = [...PAIR_COMMANDS, ...PAIR_RECORD_COMMANDS, ...QUESTION_SET_COMMANDS];

export interface AdminSession {
  admin: PairAdmin;
  close(): Promise<void>;
}
export type OpenAdmin = () => Promise<AdminSession>;

type Request = { kind: 'help'; text: string } | { kind: 'run'; command: CommandSpec; tokens: string[] };

const isHelpFlag = (token: string | undefined) => token === '--help' || token === '-h';
const isGroup = (name: string): name is Group => Object.prototype.hasOwnProperty.call(GROUPS, name);
const groupCommands = (group: Group) => COMMANDS.filter((command) => command.group === group);
const namesOf = (group: Group) =>
  groupCommands(group)
    .map((command) => command.name)
    .join(', ');

function findGroup(name: string | undefined): Group {
  if (name === undefined) throw new UsageError(['missing command']);
  if (name.startsWith('-')) throw new UsageError([`unknown option ${name}`]);
  if (!isGroup(name)) throw new UsageError([`unknown command "${name}"; the commands are ${Object.keys(GROUPS).join(', ')} and help`]);
  return name;
}

function findCommand(group: Group, name: string | undefined): CommandSpec {
  if (name === undefined) throw new UsageError([`${group} needs a command: ${namesOf(group)}`], group);
  const command = groupCommands(group).find((candidate) => candidate.name === name);
  if (!command) throw new UsageError([`unknown command "${name}" for ${group}; its commands are ${namesOf(group)}`], group);
  return command;
}

/** `help`, `help pairs`, `help pairs create`. */
function helpTopic(words: string[]): string {
  if (words.length === 0) return topHelp(COMMANDS);
  const group = findGroup(words[0]);
  if (words.length === 1) return groupHelp(group, COMMANDS);
  const command = findCommand(group, words[1]);
  if (words.length > 2) throw new UsageError([`help takes at most a command, not "${words.slice(2).join(' ')}"`]);
  return commandHelp(command);
}

function resolve(argv: string[]): Request {
  const [first, second, ...rest] = argv;
  if (isHelpFlag(first)) return { kind: 'help', text: topHelp(COMMANDS) };
  if (first === 'help') return { kind: 'help', text: helpTopic(argv.slice(1)) };
  const group = findGroup(first);
  if (isHelpFlag(second)) return { kind: 'help', text: groupHelp(group, COMMANDS) };
  const command = findCommand(group, second);
  if (asksForHelp(rest)) return { kind: 'help', text: commandHelp(command) };
  return { kind: 'run', command, tokens: rest };
}

function failureOf(error: unknown): { code: number; problems: string[]; hint?: string } {
  if (error instanceof UsageError) return { code: EXIT_USAGE, problems: error.problems, hint: helpHint(error.helpFor) };
  if (error instanceof AdminError) return { code: EXIT_FAILED, problems: error.sentences };
  if (error instanceof CommandFailed || error instanceof ConfigError) return { code: EXIT_FAILED, problems: error.problems };
  const message = error instanceof Error ? error.message : String(error);
  return { code: EXIT_FAILED, problems: message.split('\n').filter((line) => line.trim() !== '') };
}

function reportFailure(error: unknown, io: CliIo): number {
  const { code, problems, hint } = failureOf(error);
  for (const problem of problems) io.stderr(errorLine(problem));
  if (hint) io.stderr(hint);
  return code;
}

async function runWithAdmin(action: CommandAction, io: CliIo, open: OpenAdmin): Promise<number> {
  let session: AdminSession;
  try {
    session = await open();
  } catch (error) {
    return reportFailure(error, io);
  }
  try {
    return await action(session.admin, io);
  } catch (error) {
    return reportFailure(error, io);
  } finally {
    await session.close().catch((error: unknown) => io.stderr(`warning: closing the connections failed: ${String(error)}`));
  }
}

/** Runs one CLI invocation and returns its exit code. `open` is called only for a command that runs. */
export async function runCli(argv: string[], io: CliIo, open: OpenAdmin): Promise<number> {
  let action: CommandAction;
  try {
    const request = resolve(argv);
    if (request.kind === 'help') {
      io.stdout(request.text);
      return EXIT_OK;
    }
    action = await request.command.prepare(parseCommandArgs(request.command, request.tokens));
  } catch (error) {
    return reportFailure(error, io);
  }
  return runWithAdmin(action, io, open);
}
