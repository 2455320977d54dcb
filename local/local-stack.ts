// Pieces of the local stack the main job starts: the Temporal dev server (persisting to a file
// under the data folder) and an SMTP server that keeps every message it receives as a .eml file.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
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
    [
      'server',
      'start-dev',
      '--db-filename',
      join(dataDir, 'temporal.db'),
      ...SQLITE_PRAGMAS,
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--ui-port',
      String(uiPort),
      '--log-level',
      'error',
    ],
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
        throw new Error(`the Temporal dev server did not start on ${address}: ${(error as Error).message}`, { cause: error });
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

/** The largest message the local SMTP server keeps; Rapport's emails are a few KiB. */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/** An SMTP reply error: smtp-server answers with its responseCode. */
const smtpError = (responseCode: number, message: string) => Object.assign(new Error(message), { responseCode });

/** 127.0.0.0/8, ::1, and IPv4 loopback as a dual-stack socket reports it (::ffff:127.x.x.x). */
export function isLoopbackAddress(address: string): boolean {
  const lower = address.toLowerCase();
  const ipv4 = lower.startsWith('::ffff:') ? lower.slice('::ffff:'.length) : lower;
  if (isIPv4(ipv4)) return ipv4.startsWith('127.');
  return lower === '::1';
}

/** The SMTP server's onConnect: only this machine may hand it mail. */
export function refuseNonLoopback(session: Pick<SMTPServerSession, 'remoteAddress'>, callback: (error?: Error | null) => void): void {
  if (isLoopbackAddress(session.remoteAddress)) return callback();
  callback(smtpError(554, `this is Rapport's local mail server; it takes mail only from this machine, not from ${session.remoteAddress}`));
}

/** Collects a message, dropping what comes past the size limit (the sender is refused at its end). */
function readMessage(stream: SMTPServerDataStream): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => {
    if (!stream.sizeExceeded) chunks.push(chunk);
  });
  return new Promise((resolve) => stream.on('end', () => resolve(stream.sizeExceeded ? undefined : Buffer.concat(chunks))));
}

/** Accepts every message from loopback up to MAX_MESSAGE_BYTES and writes it to DIR/NNNN.eml (0600). */
export async function startLocalMailServer(dir: string, port = 2525, onMessage?: (file: string) => void): Promise<LocalMailServer> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: MAX_MESSAGE_BYTES,
    onConnect: refuseNonLoopback,
    onData(stream, _session, callback) {
      void readMessage(stream).then((message) => {
        if (!message) return callback(smtpError(552, `message too large: the local mail server keeps messages up to ${MAX_MESSAGE_BYTES / 1024 / 1024} MB`));
        count += 1;
        const file = join(dir, `${Date.now()}-${String(count).padStart(4, '0')}.eml`);
        try {
          writeFileSync(file, message, { mode: 0o600 });
        } catch (error) {
          return callback(smtpError(451, `the local mail server could not keep the message in ${dir}: ${(error as Error).message}`));
        }
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
