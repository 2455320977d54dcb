// `npm run build`: the production build that `npm run worker` and `npm run web` run, in dist/.
// Running compiled JavaScript spares every process tsx's compiler and its cache (about 40 MiB of a
// worker's resident memory, measured idle) and the work of compiling at each start.
// It type-checks the whole project while compiling, copies beside the compiled code the files it
// reads at run time (templates, migrations, the workflow sources the bundle is checked against),
// and writes the prebuilt workflow bundle.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeWorkflowBundle } from '../worker/workflow-bundle';

const REPO = join(__dirname, '..');
const DIST = join(REPO, 'dist');

/** Folders the code reads from disk at run time, relative to the folder of the code reading them. */
const RUNTIME_FILES = [
  'templates/emails',
  'templates/pages',
  'prisma/sqlite/migrations',
  'prisma/sqlite/schema.prisma',
  'prisma/postgres/migrations',
  'prisma/postgres/schema.prisma',
];

function compile(): void {
  const tsc = require.resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(REPO, 'tsconfig.json'), '--outDir', DIST], { cwd: REPO, stdio: 'inherit' });
}

function copyRuntimeFiles(): void {
  for (const path of RUNTIME_FILES) cpSync(join(REPO, path), join(DIST, path), { recursive: true });
  for (const name of readdirSync(join(REPO, 'workflows')).filter((file) => file.endsWith('.ts'))) {
    cpSync(join(REPO, 'workflows', name), join(DIST, 'workflows', name));
  }
}

/**
 * The package's `rapport` command (package.json "bin"): an executable that runs the compiled CLI,
 * so `npx rapport …` and a global install behave as `npm run cli -- …` does.
 */
function writeCommand(): void {
  const path = join(DIST, 'bin', 'rapport.js');
  mkdirSync(join(DIST, 'bin'), { recursive: true });
  writeFileSync(path, "#!/usr/bin/env node\n// Rapport's command line; see `rapport --help`.\nrequire('../cli/rapport-cli.js');\n");
  chmodSync(path, 0o755);
}

async function main(): Promise<void> {
  rmSync(DIST, { recursive: true, force: true });
  compile();
  copyRuntimeFiles();
  writeCommand();
  const bundlePath = join(DIST, 'workflow-bundle.js');
  const size = await writeWorkflowBundle(bundlePath);
  console.log(`built dist/ (workflow bundle ${Math.round(size / 1024)} KiB)`);
}

main().catch((error: unknown) => {
  // tsc has already printed its errors; anything else is said here.
  if (!(error instanceof Error && 'status' in error)) console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
