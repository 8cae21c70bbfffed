/** Build step (`npm run build`, after tsc): writes lib/workflow-bundle.js, which the compiled worker loads. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKFLOW_BUNDLE_FILE, buildWorkflowBundle } from '../worker/bundle';

async function main(): Promise<void> {
  // Compiled, this file is lib/scripts/build-workflow-bundle.js: the bundle goes to lib/.
  const target = join(__dirname, '..', WORKFLOW_BUNDLE_FILE);
  const code = await buildWorkflowBundle();
  writeFileSync(target, code);
  console.log(`workflow bundle: ${target} (${Math.round(code.length / 1024)} KiB)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
