// Rapport's entries as separate processes, as ops run them: started with only environment
// variables, their output kept, stopped with a signal.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { DEFAULT_WORKER_HEAP_MB } from '../../worker/config';

export const REPO = join(__dirname, '..', '..');

export interface RapportProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<number | string>;
  /** Sends the signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Starts a TypeScript entry with node and tsx, with env on top of a minimal environment. */
export function startEntry(entry: string, env: Record<string, string>, nodeArgs: string[] = []): RapportProcess {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry], {
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
