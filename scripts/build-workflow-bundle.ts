/**
 * Build step (`npm run build`, after tsc): writes lib/workflow-bundle.js, which the compiled
 * worker loads, and lib/workflow-bundle-otel.js, the same with the tracing interceptors, which it
 * loads when tracing is on (worker/bundle.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TRACING_WORKFLOW_BUNDLE_FILE, WORKFLOW_BUNDLE_FILE, buildWorkflowBundle } from '../worker/bundle';

async function main(): Promise<void> {
  for (const [file, tracing] of [
    [WORKFLOW_BUNDLE_FILE, false],
    [TRACING_WORKFLOW_BUNDLE_FILE, true],
  ] as const) {
    // Compiled, this file is lib/scripts/build-workflow-bundle.js: the bundles go to lib/.
    const target = join(__dirname, '..', file);
    const code = await buildWorkflowBundle(undefined, { tracing });
    writeFileSync(target, code);
    console.log(`workflow bundle: ${target} (${Math.round(code.length / 1024)} KiB)`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
