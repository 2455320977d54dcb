// The prebuilt workflow bundle. Production workers load it instead of bundling the workflow code
// at every start; a fingerprint of workflows/ guards against running a bundle older than the code.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';

export const WORKFLOWS_DIR = join(__dirname, '..', 'workflows');

/**
 * The sha256 of every TypeScript file under workflows/, in name order. Only the sources count: the
 * production build (dist/workflows) holds the compiled files beside a copy of the sources.
 */
export function workflowSourceFingerprint(dir = WORKFLOWS_DIR): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(dir)
    .filter((file) => file.endsWith('.ts'))
    .sort()) {
    hash.update(name);
    hash.update(readFileSync(join(dir, name)));
  }
  return hash.digest('hex');
}

export const manifestPathOf = (bundlePath: string) => bundlePath.replace(/\.js$/, '.json');

export type BundleChoice = { kind: 'prebuilt'; codePath: string } | { kind: 'bundleAtStart'; reason: string } | { kind: 'stale'; problem: string };

/** Whether to load the prebuilt bundle, bundle at start (none built), or refuse (built from other code). */
export function chooseWorkflowBundle(bundlePath: string, sourcesDir = WORKFLOWS_DIR): BundleChoice {
  if (!existsSync(bundlePath)) return { kind: 'bundleAtStart', reason: `no prebuilt workflow bundle at ${bundlePath} (npm run build:workflows makes one)` };
  // Without the sources (e.g. an image holding only the build) there is nothing to compare.
  if (!existsSync(sourcesDir)) return { kind: 'prebuilt', codePath: bundlePath };
  const manifestPath = manifestPathOf(bundlePath);
  const built = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as { sourceFingerprint?: string }).sourceFingerprint : undefined;
  if (built !== workflowSourceFingerprint(sourcesDir)) {
    return {
      kind: 'stale',
      problem: `the workflow bundle at ${bundlePath} was built from other workflow code than ${sourcesDir}: run npm run build:workflows`,
    };
  }
  return { kind: 'prebuilt', codePath: bundlePath };
}

const QUIET = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** Bundles the workflow code in memory, quietly: webpack's report is no use in a worker's log. */
export function bundleWorkflowsQuietly(): ReturnType<typeof bundleWorkflowCode> {
  return bundleWorkflowCode({ workflowsPath: require.resolve(WORKFLOWS_DIR), logger: QUIET });
}

/** Writes the prebuilt bundle and, beside it, the manifest with the fingerprint of its sources. */
export async function writeWorkflowBundle(bundlePath: string): Promise<number> {
  const { code } = await bundleWorkflowsQuietly();
  mkdirSync(dirname(bundlePath), { recursive: true });
  writeFileSync(bundlePath, code);
  writeFileSync(
    manifestPathOf(bundlePath),
    `${JSON.stringify({ sourceFingerprint: workflowSourceFingerprint(), builtAt: new Date().toISOString() }, null, 2)}\n`,
  );
  return code.length;
}

export class StaleWorkflowBundle extends Error {}

/**
 * The workflow code for a worker: the prebuilt bundle when there is a current one, else bundled now.
 * A bundle built from other code is refused.
 */
export async function workflowCodeFor(bundlePath: string, warn: (message: string) => void): Promise<Pick<WorkerOptions, 'workflowBundle'>> {
  const choice = chooseWorkflowBundle(bundlePath);
  if (choice.kind === 'stale') throw new StaleWorkflowBundle(choice.problem);
  if (choice.kind === 'prebuilt') return { workflowBundle: { codePath: choice.codePath } };
  warn(`${choice.reason}; bundling the workflow code at start instead`);
  return { workflowBundle: await bundleWorkflowsQuietly() };
}
