/**
 * The workflow bundle built once, ahead of the worker: `npm run build` writes it next to the
 * compiled code (lib/workflow-bundle.js) and the worker loads it with `workflowBundle: { codePath }`
 * instead of running webpack at every start. The test harness builds its bundle the same way.
 *
 * With tracing on (common/tracing.ts) the worker needs the bundle that also holds the
 * OpenTelemetry workflow interceptors (lib/workflow-bundle-otel.js): a separate file, so the
 * default bundle, evaluated again for every cached workflow, stays without the OpenTelemetry SDK.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, type Logger } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../common/data-converter';

export const WORKFLOW_BUNDLE_FILE = 'workflow-bundle.js';
export const TRACING_WORKFLOW_BUNDLE_FILE = 'workflow-bundle-otel.js';

/** The module `bundleWorkflowCode` adds for tracing; its path appears in a bundle that holds it. */
const TRACING_INTERCEPTORS_MODULE = '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors';

/**
 * lib/workflow-bundle.js (lib/workflow-bundle-otel.js with `tracing`) when this module runs
 * compiled from lib/ and the build wrote it; otherwise undefined.
 */
export function prebuiltWorkflowBundlePath(tracing = false): string | undefined {
  const path = join(__dirname, '..', tracing ? TRACING_WORKFLOW_BUNDLE_FILE : WORKFLOW_BUNDLE_FILE);
  return existsSync(path) ? path : undefined;
}

/** Whether the bundle at `path` holds the tracing workflow interceptors. */
export function bundleHasTracing(path: string): boolean {
  return readFileSync(path, 'utf8').includes(TRACING_INTERCEPTORS_MODULE.replace(/^@temporalio\//, ''));
}

/** The tracing workflow interceptors' module file, for `workflowInterceptorModules` / `interceptors.workflowModules`. */
export function tracingInterceptorsModulePath(): string {
  return require.resolve(TRACING_INTERCEPTORS_MODULE);
}

const quiet: Logger = { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} };

export interface BundleOptions {
  /** Adds the OpenTelemetry workflow interceptors (worker/tracing.ts). */
  tracing?: boolean;
}

/** The bundled workflow code (the workflows/ entry point and the encrypting failure converter), as a string. */
export async function buildWorkflowBundle(logger: Logger = quiet, options: BundleOptions = {}): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    // Payloads are encrypted, so failure messages are too, inside the sandbox (common/data-converter.ts).
    failureConverterPath: FAILURE_CONVERTER_PATH,
    // Evaluated once into the V8 context's shared module cache instead of once per cached workflow
    // (measured: about 10 % less memory and CPU per new approval). The SDK deep-freezes preloaded
    // modules, so workflow and contract modules must keep no module-level mutable state (none
    // does: constants, frozen-safe definitions and functions only); a write to one would throw.
    // The tracing interceptors are not preloaded: their workflow side keeps module-level state.
    preloadModules: [require.resolve('../workflows')],
    logger,
    ...(options.tracing ? { workflowInterceptorModules: [tracingInterceptorsModulePath()] } : {}),
  });
  return code;
}
