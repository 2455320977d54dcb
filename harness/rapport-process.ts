// Rapport's entries as separate processes, as ops run them: started with only environment
// variables, their output kept, stopped with a signal.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_WORKER_HEAP_MB } from '../config/config';

export const REPO = join(__dirname, '..');
/** The production build (npm run build), which the entries run from, and its workflow bundle. */
export const BUILD_DIR = join(REPO, 'dist');
export const PREBUILT_BUNDLE = join(BUILD_DIR, 'workflow-bundle.js');

/** Builds dist/ from the code as it is now, as a deployment does (npm run build). */
export function buildProduction(): void {
  try {
    execFileSync(process.execPath, ['--import', 'tsx', 'tools/build.ts'], { cwd: REPO, stdio: 'pipe' });
  } catch (error) {
    const failed = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`npm run build failed:\n${failed.stdout?.toString() ?? ''}${failed.stderr?.toString() ?? ''}`, { cause: error });
  }
}

export interface RapportProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<number | string>;
  /** Sends the signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/**
 * Starts an entry (named by its source, e.g. server/main.ts) from the production build, as
 * `npm run web` does, with env on top of a minimal environment.
 */
export function startEntry(entry: string, env: Record<string, string>, nodeArgs: string[] = []): RapportProcess {
  const compiled = join(BUILD_DIR, entry.replace(/\.ts$/, '.js'));
  if (!existsSync(compiled)) throw new Error(`${compiled} is missing: run npm run build first (npm test does)`);
  const child = spawn(process.execPath, [...nodeArgs, compiled], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return watch(child);
}

/** The worker entry started as `npm run worker` starts it: with its heap limit (WORKER_HEAP_MB). */
export function startWorkerEntry(env: Record<string, string>, nodeArgs: string[] = []): RapportProcess {
  const heapMb = env.WORKER_HEAP_MB ?? String(DEFAULT_WORKER_HEAP_MB);
  return startEntry('worker/run-worker.ts', env, [`--max-old-space-size=${heapMb}`, ...nodeArgs]);
}

export function watch(child: ChildProcess): RapportProcess {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    output: () => output,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls url until it answers with status, failing with the process's output if it exits first. */
export async function waitForHttp(url: string, process: RapportProcess | undefined, status = 200, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (process && (process.child.exitCode !== null || process.child.signalCode !== null)) {
      throw new Error(`the process exited before ${url} answered:\n${process.output()}`);
    }
    try {
      const response = await fetch(url);
      last = `${response.status} ${await response.text()}`;
      if (response.status === status) return;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer ${status} in time (last: ${last})\n${process?.output() ?? ''}`);
}
