// Help texts, generated from the command specs so that they list exactly the options a command takes.
import { commandName, PROGRAM, type CommandSpec, type OptionSpec } from './cli-args';
import { columns } from './cli-format';

export const GROUPS = {
  pairs: 'Pairs',
  'question-sets': 'Question sets',
} as const;
export type Group = keyof typeof GROUPS;

const HELP_OPTION: OptionSpec = { name: 'help', description: 'show this help' };

const indent = (text: string) =>
  text
    .split('\n')
    .map((line) => (line === '' ? line : `  ${line}`))
    .join('\n');

function optionUsage(option: OptionSpec): string {
  const text = option.value === undefined ? `--${option.name}` : `--${option.name} ${option.value}`;
  return option.required ? text : `[${text}]`;
}

function usageLines(command: CommandSpec): string[] {
  const generated = [commandName(command), ...command.arguments.map((argument) => argument.name), ...command.options.map(optionUsage)].join(' ');
  const forms = command.usage ?? [generated];
  // A form starting with spaces continues the one before it.
  const lead = ' '.repeat(`Usage: ${PROGRAM} `.length);
  return forms.map((form, index) => (form.startsWith(' ') ? `${lead}${form}` : `${index === 0 ? 'Usage:' : '      '} ${PROGRAM} ${form}`));
}

function optionRows(options: OptionSpec[]): string[][] {
  return [...options, HELP_OPTION].map((option) => [
    option === HELP_OPTION ? '-h, --help' : option.value === undefined ? `--${option.name}` : `--${option.name} ${option.value}`,
    option.description,
  ]);
}

const sentence = (text: string) => `${text[0].toUpperCase()}${text.slice(1)}.`;

export function commandHelp(command: CommandSpec): string {
  const sections = [usageLines(command).join('\n'), [sentence(command.summary), ...(command.details ?? [])].join('\n')];
  if (command.arguments.length > 0) sections.push(`Arguments:\n${indent(columns(command.arguments.map((a) => [a.name, a.description])))}`);
  sections.push(`Options:\n${indent(columns(optionRows(command.options)))}`);
  return sections.join('\n\n');
}

/** Commands and their summaries; `width` aligns the summaries of several lists. */
function commandList(commands: CommandSpec[], width = 0): string {
  return indent(columns(commands.map((command) => [commandName(command).padEnd(width), command.summary])));
}

export function groupHelp(group: Group, commands: CommandSpec[]): string {
  const own = commands.filter((command) => command.group === group);
  return [
    `Usage: ${PROGRAM} ${group} COMMAND [ARGUMENTS] [OPTIONS]`,
    `${GROUPS[group]}:\n${commandList(own)}`,
    `Run "${PROGRAM} ${group} COMMAND --help" for a command's options.`,
  ].join('\n\n');
}

export function topHelp(commands: CommandSpec[]): string {
  const width = Math.max(...commands.map((command) => commandName(command).length));
  const groups = (Object.keys(GROUPS) as Group[]).map(
    (group) =>
      `${GROUPS[group]}:\n${commandList(
        commands.filter((c) => c.group === group),
        width,
      )}`,
  );
  return [
    "Rapport's command line: manage pairs and their question sets, with the admin API's own checks.",
    [`Usage: ${PROGRAM} COMMAND [ARGUMENTS] [OPTIONS]`, `       npm run -s cli -- ...   (leaves out npm's own output lines, e.g. to pipe --json)`].join('\n'),
    ...groups,
    `Other:\n${indent(
      columns([
        ['help [COMMAND]'.padEnd(width), "this help, or a command's"],
        ['-h, --help'.padEnd(width), "the same; after a command, that command's help"],
      ]),
    )}`,
    [
      'Settings come from environment variables, as for the worker: DATABASE_URL, TEMPORAL_ADDRESS,',
      'TEMPORAL_NAMESPACE and TEMPORAL_TASK_QUEUE (see README.md, Configuration).',
      'Exit status: 0 done, 1 refused or failed, 2 usage error.',
    ].join('\n'),
  ].join('\n\n');
}

/** Where a usage error points to. */
export function helpHint(helpFor: string | undefined): string {
  return helpFor ? `Run "${PROGRAM} ${helpFor} --help" for its usage.` : `Run "${PROGRAM} --help" for the commands.`;
}
