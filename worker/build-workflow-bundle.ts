// `npm run build:workflows`: writes the prebuilt workflow bundle production workers load, and
// beside it a manifest with the fingerprint of the workflow code it was built from.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { manifestPathOf, workflowSourceFingerprint, WORKFLOWS_DIR } from './workflow-bundle';

async function main(): Promise<void> {
  const bundlePath = resolve(process.argv[2] ?? process.env.WORKFLOW_BUNDLE_PATH ?? 'dist/workflow-bundle.js');
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve(WORKFLOWS_DIR) });
  mkdirSync(dirname(bundlePath), { recursive: true });
  writeFileSync(bundlePath, code);
  writeFileSync(manifestPathOf(bundlePath), `${JSON.stringify({ sourceFingerprint: workflowSourceFingerprint(), builtAt: new Date().toISOString() }, null, 2)}\n`);
  console.log(`wrote ${bundlePath} (${Math.round(code.length / 1024)} KiB)`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
