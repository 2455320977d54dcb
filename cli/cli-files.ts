// Input and output files of the CLI. Only JSON is read and written: YAML would need a parser the
// project does not depend on, so .yaml/.yml files are refused with a message saying so.
import { readFile, writeFile } from 'node:fs/promises';
import { CommandFailed, UsageError } from './cli-args';

function refuseYaml(path: string, option: string, helpFor: string): void {
  if (/\.ya?ml$/i.test(path)) {
    throw new UsageError([`${option} ${path}: YAML files are not supported, only JSON; save the file as .json`], helpFor);
  }
}

export async function readInputFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CommandFailed([`cannot read ${path}: ${(error as Error).message}`]);
  }
}

/** The parsed content of a JSON file named by an option (e.g. --file), refusing YAML before reading. */
export async function readJsonFile(path: string, option: string, helpFor: string): Promise<unknown> {
  refuseYaml(path, option, helpFor);
  const text = await readInputFile(path);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CommandFailed([`${path} is not valid JSON: ${(error as Error).message}`]);
  }
}

export function checkJsonOutput(path: string, option: string, helpFor: string): void {
  refuseYaml(path, option, helpFor);
}

export async function writeOutputFile(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text, 'utf8');
  } catch (error) {
    throw new CommandFailed([`cannot write ${path}: ${(error as Error).message}`]);
  }
}

export { isRecord } from '../workflows/message-rules';
