// The shape of a CLI command and the parsing of its arguments (node:util parseArgs, with the CLI's
// own messages). Nothing here opens a connection: help and usage errors are decided from argv alone.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { PairAdmin } from '../pairs/pair-admin';

export const EXIT_OK = 0;
/** A refused action, an AdminError, a configuration problem or an unreachable server. */
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** How the CLI is started, as shown in help and hints. */
export const PROGRAM = 'npm run cli --';

export interface CliIo {
  /** Writes one line (or several joined by \n); the caller adds the final line break. */
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export interface OptionSpec {
  /** Without the leading --. */
  name: string;
  /** Placeholder of the option's value in help (e.g. HH:MM); absent for a flag. */
  value?: string;
  description: string;
  required?: boolean;
}

export interface ArgumentSpec {
  name: string;
  description: string;
}

export const PAIR_ID_ARGUMENT: ArgumentSpec = { name: 'PAIR_ID', description: "the pair's id, as pairs list shows it" };

/** What runs once a command's arguments are understood; it gets the admin service only then. */
export type CommandAction = (admin: PairAdmin, io: CliIo) => Promise<number>;

export interface CommandSpec {
  group: 'pairs' | 'question-sets';
  name: string;
  summary: string;
  /** Replaces the generated usage line where a command has more than one form. */
  usage?: string[];
  details?: string[];
  arguments: ArgumentSpec[];
  options: OptionSpec[];
  /** Turns parsed arguments into an action, reading any input file; throws UsageError or CommandFailed. */
  prepare(args: ParsedArgs): Promise<CommandAction>;
}

export interface ParsedArgs {
  /** Positional arguments by their ArgumentSpec name. */
  arguments: Record<string, string>;
  values: Map<string, string>;
  flags: Set<string>;
}

/** A mistake in how the command was called (exit code 2). */
export class UsageError extends Error {
  constructor(
    readonly problems: string[],
    /** The help to point to, e.g. "pairs create". */
    readonly helpFor?: string,
  ) {
    super(problems.join('; '));
    this.name = 'UsageError';
  }
}

/** A command that could not be done for a reason outside the admin service (exit code 1). */
export class CommandFailed extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'CommandFailed';
  }
}

export const commandName = (command: CommandSpec) => `${command.group} ${command.name}`;

/** True when -h or --help comes before any --, which wins over every other argument. */
export function asksForHelp(tokens: string[]): boolean {
  const end = tokens.indexOf('--');
  return (end === -1 ? tokens : tokens.slice(0, end)).some((token) => token === '--help' || token === '-h');
}

interface Collected {
  positionals: string[];
  values: Map<string, string>;
  flags: Set<string>;
  problems: string[];
}

/** What the CLI reads of parseArgs' tokens. */
type ArgToken =
  | { kind: 'option'; index: number; name: string; rawName: string; value?: string; inlineValue?: boolean }
  | { kind: 'positional'; index: number; value: string }
  | { kind: 'option-terminator'; index: number };

function parserOptions(command: CommandSpec): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(command.options.map((option) => [option.name, { type: option.value === undefined ? 'boolean' : 'string' }]));
}

const takesNextOption = (token: ArgToken) => token.kind === 'option' && token.inlineValue === false && token.value?.startsWith('--') === true;

/**
 * Where parseArgs reads `args` otherwise than the CLI, or -1. The CLI's own rules: an option's value
 * may start with one dash (--ordinal -1) but not with two, which start the next option; and a dash
 * inside a group of short options ("-a-b"), which parseArgs expands to "--", ends nothing.
 */
function misreadAt(tokens: ArgToken[], args: string[]): number {
  return tokens.findIndex((token) => takesNextOption(token) || (token.kind === 'option-terminator' && args[token.index] !== '--'));
}

/**
 * The tokens of `args` as parseArgs reads them, unchecked (strict: false), and where it misreads
 * (see misreadAt), read again from the next argument: an option that took the next one as its
 * value is left without one; a group of short options is refused by its first letter.
 */
function tokensOf(command: CommandSpec, args: string[]): ArgToken[] {
  const { tokens } = parseArgs({ args, options: parserOptions(command), strict: false, allowPositionals: true, tokens: true });
  const at = misreadAt(tokens, args);
  const token = tokens.at(at);
  if (at < 0 || token === undefined) return tokens;
  const next = token.index + 1;
  const rest = tokensOf(command, args.slice(next)).map((later) => ({ ...later, index: later.index + next }));
  const kept = token.kind === 'option' ? [{ ...token, value: undefined, inlineValue: undefined }] : [];
  return [...tokens.slice(0, at), ...kept, ...rest];
}

type OptionToken = Extract<ArgToken, { kind: 'option' }>;

function readOption(command: CommandSpec, token: OptionToken, into: Collected): void {
  const { name } = token;
  const option = command.options.find((candidate) => candidate.name === name);
  if (!option) {
    into.problems.push(`unknown option --${name} for ${commandName(command)}`);
    return;
  }
  if (into.values.has(name) || into.flags.has(name)) into.problems.push(`--${name} is given more than once`);
  if (option.value === undefined) {
    if (token.value !== undefined) into.problems.push(`--${name} takes no value`);
    into.flags.add(name);
    return;
  }
  if (token.value === undefined) into.problems.push(`--${name} needs a value (${option.value})`);
  else into.values.set(name, token.value);
}

function collect(command: CommandSpec, args: string[]): Collected {
  const collected: Collected = { positionals: [], values: new Map(), flags: new Set(), problems: [] };
  // Commands have no short options: "-xy" is refused once, as typed.
  const shortOptions = new Set<number>();
  for (const token of tokensOf(command, args)) {
    if (token.kind === 'positional') collected.positionals.push(token.value);
    if (token.kind !== 'option') continue;
    if (token.rawName.startsWith('--')) readOption(command, token, collected);
    else if (!shortOptions.has(token.index)) {
      shortOptions.add(token.index);
      collected.problems.push(`unknown option ${args[token.index]} for ${commandName(command)}`);
    }
  }
  return collected;
}

function argumentProblems(command: CommandSpec, positionals: string[]): string[] {
  const missing = command.arguments.slice(positionals.length).map((argument) => `${commandName(command)} needs ${argument.name}`);
  const extra = positionals.slice(command.arguments.length).map((value) => `unexpected argument "${value}" for ${commandName(command)}`);
  return [...missing, ...extra];
}

function missingOptions(command: CommandSpec, values: Map<string, string>): string[] {
  return command.options
    .filter((option) => option.required && !values.has(option.name))
    .map((option) => `${commandName(command)} needs --${option.name} ${option.value ?? ''}`.trimEnd());
}

/** Parses a command's arguments (after its group and name), reporting every usage problem at once. */
export function parseCommandArgs(command: CommandSpec, tokens: string[]): ParsedArgs {
  const { positionals, values, flags, problems } = collect(command, tokens);
  problems.push(...argumentProblems(command, positionals), ...missingOptions(command, values));
  if (problems.length > 0) throw new UsageError(problems, commandName(command));
  const named = Object.fromEntries(command.arguments.map((argument, index) => [argument.name, positionals[index]]));
  return { arguments: named, values, flags };
}

/**
 * A number as typed, or NaN when it is not one. Values are not range-checked here: the admin
 * service does that, so the CLI reports exactly what the API would.
 */
export function numberIn(value: string): number {
  return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(value.trim()) ? Number(value) : Number.NaN;
}
