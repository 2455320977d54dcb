// The package's `rapport` command (package.json "bin", written by npm run build): run with npx from
// the clone and from a global install, it behaves as `npm run cli --` does, against a real
// database and Temporal dev server.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startDevServer, type DevServer } from '../local/local-stack';
import { freePort } from '../harness/free-port';
import { BUILD_DIR, REPO } from '../harness/rapport-process';
import { migrateDatabase } from '../prisma/migrate';

jest.setTimeout(3 * 60_000);

const run = promisify(execFile);
let dir: string;
let devServer: DevServer;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  if (!existsSync(join(BUILD_DIR, 'bin', 'rapport.js'))) throw new Error('dist/bin/rapport.js is missing: run npm run build first (npm test does)');
  dir = mkdtempSync(join(tmpdir(), 'rapport-command-'));
  const databaseUrl = `file:${join(dir, 'rapport.db')}`;
  const [temporalPort, uiPort] = await Promise.all([freePort(), freePort()]);
  [devServer] = await Promise.all([startDevServer(dir, temporalPort, uiPort), migrateDatabase(databaseUrl)]);
  env = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: devServer.address };
});

afterAll(async () => {
  await devServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function ran(command: string, args: string[], cwd: string): Promise<Ran> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const npmRunCli = (args: string[]) => ran('npm', ['run', '--silent', 'cli', '--', ...args], REPO);

const COMMANDS = [['--help'], ['pairs', 'list'], ['pairs', 'show', 'no-such-pair'], ['no-such-command']];

it('npx rapport, from the clone, answers as npm run cli -- does', async () => {
  for (const args of COMMANDS) {
    const viaNpx = await ran('npx', ['--no-install', 'rapport', ...args], REPO);
    expect({ args, ...viaNpx }).toEqual({ args, ...(await npmRunCli(args)) });
  }
  expect((await ran('npx', ['--no-install', 'rapport', 'pairs', 'list'], REPO)).code).toBe(0);
});

it('a global install puts rapport on the PATH, answering as npm run cli -- does', async () => {
  const prefix = join(dir, 'global');
  // Scripts are not needed: the clone is built and its client generated already.
  await run('npm', ['install', '--global', '--prefix', prefix, '--ignore-scripts', '--no-audit', '--no-fund', REPO], { env });
  const rapport = join(prefix, 'bin', 'rapport');
  for (const args of COMMANDS) {
    // Run from elsewhere, as an operator would: nothing depends on the working directory.
    const installed = await ran(rapport, args, dir);
    expect({ args, ...installed }).toEqual({ args, ...(await npmRunCli(args)) });
  }
});
