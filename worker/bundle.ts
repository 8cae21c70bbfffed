/**
 * The workflow bundle built once, ahead of the worker: `npm run build` writes it next to the
 * compiled code (lib/workflow-bundle.js) and the worker loads it with `workflowBundle: { codePath }`
 * instead of running webpack at every start. The test harness builds its bundle the same way.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, type Logger } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../common/data-converter';

export const WORKFLOW_BUNDLE_FILE = 'workflow-bundle.js';

/** lib/workflow-bundle.js when this module runs compiled from lib/ and the build wrote it; otherwise undefined. */
export function prebuiltWorkflowBundlePath(): string | undefined {
  const path = join(__dirname, '..', WORKFLOW_BUNDLE_FILE);
  return existsSync(path) ? path : undefined;
}

const quiet: Logger = { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} };

/** The bundled workflow code (the workflows/ entry point and the encrypting failure converter), as a string. */
export async function buildWorkflowBundle(logger: Logger = quiet): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    // Payloads are encrypted, so failure messages are too, inside the sandbox (common/data-converter.ts).
    failureConverterPath: FAILURE_CONVERTER_PATH,
    // Evaluated once into the V8 context's shared module cache instead of once per cached workflow
    // (measured: about 10 % less memory and CPU per new approval). The SDK deep-freezes preloaded
    // modules, so workflow and contract modules must keep no module-level mutable state (none
    // does: constants, frozen-safe definitions and functions only); a write to one would throw.
    preloadModules: [require.resolve('../workflows')],
    logger,
  });
  return code;
}
