// Pieces of the local stack the main job starts: the Temporal dev server (persisting to a file
// under the data folder) and an SMTP server that keeps every message it receives as a .eml file.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { SMTPServer } from 'smtp-server';
import { resolveDevServer } from './temporal-binaries';

export interface DevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

/**
 * The dev server's SQLite file in write-ahead-log mode, synced at checkpoints rather than at every
 * commit. Its default (a rollback journal, synced at every commit) serialises every workflow task
 * on the disk: in the benchmark's burst the dev server, not Rapport, was the bottleneck. A killed
 * dev server loses nothing committed in WAL mode; only a power cut can lose the last commits.
 */
const SQLITE_PRAGMAS = ['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'];

export async function startDevServer(dataDir: string, port = 7233, uiPort = 8233): Promise<DevServer> {
  const executable = resolveDevServer();
  if (executable.type !== 'existing-path') throw new Error('run "bash tools/provision.sh temporal" to provision the Temporal dev server');
  const child: ChildProcess = spawn(
    executable.path,
    ['server', 'start-dev', '--db-filename', join(dataDir, 'temporal.db'), ...SQLITE_PRAGMAS, '--ip', '127.0.0.1', '--port', String(port), '--ui-port', String(uiPort), '--log-level', 'error'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.close();
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`the Temporal dev server did not start on ${address}: ${(error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  return {
    address,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface LocalMailServer {
  url: string;
  stop(): Promise<void>;
}

/** Accepts every message on loopback and writes it to DIR/NNNN.eml. */
export async function startLocalMailServer(dir: string, port = 2525, onMessage?: (file: string) => void): Promise<LocalMailServer> {
  mkdirSync(dir, { recursive: true });
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        count += 1;
        const file = join(dir, `${Date.now()}-${String(count).padStart(4, '0')}.eml`);
        writeFileSync(file, Buffer.concat(chunks));
        onMessage?.(file);
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return { url: `smtp://127.0.0.1:${port}`, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
