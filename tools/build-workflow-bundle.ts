// `npm run build:workflows`: writes the prebuilt workflow bundle production workers load, and
// beside it a manifest with the fingerprint of the workflow code it was built from.
import { resolve } from 'node:path';
import { writeWorkflowBundle } from '../worker/workflow-bundle';

async function main(): Promise<void> {
  const bundlePath = resolve(process.argv[2] ?? process.env.WORKFLOW_BUNDLE_PATH ?? 'dist/workflow-bundle.js');
  const size = await writeWorkflowBundle(bundlePath);
  console.log(`wrote ${bundlePath} (${Math.round(size / 1024)} KiB)`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
