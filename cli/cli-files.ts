// Input and output files of the CLI: JSON, or YAML for files named .yaml/.yml.
import { readFile, writeFile } from 'node:fs/promises';
import { parse as parseYaml, stringify as yamlText } from 'yaml';
import { CommandFailed } from './cli-args';

const isYamlFile = (path: string) => /\.ya?ml$/i.test(path);

export async function readInputFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CommandFailed([`cannot read ${path}: ${(error as Error).message}`]);
  }
}

/** The parsed content of a data file named by an option (e.g. --file): YAML by its name, else JSON. */
export async function readDataFile(path: string): Promise<unknown> {
  const text = await readInputFile(path);
  const yaml = isYamlFile(path);
  try {
    return yaml ? (parseYaml(text) as unknown) : (JSON.parse(text) as unknown);
  } catch (error) {
    throw new CommandFailed([`${path} is not valid ${yaml ? 'YAML' : 'JSON'}: ${(error as Error).message.split('\n')[0]}`]);
  }
}

/** A value as the file named by path should hold it: YAML by its name, else JSON. */
export function dataFileText(path: string, value: unknown): string {
  return isYamlFile(path) ? yamlText(value) : `${JSON.stringify(value, null, 2)}\n`;
}

export async function writeOutputFile(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text, 'utf8');
  } catch (error) {
    throw new CommandFailed([`cannot write ${path}: ${(error as Error).message}`]);
  }
}

export { isRecord } from '../workflows/message-rules';
