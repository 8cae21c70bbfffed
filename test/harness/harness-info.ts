/** What global setup tells the test files: where the shared server is and the prebuilt workflow bundle. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const TEST_OUTPUT_DIR = join(__dirname, '..', '..', 'test-output');

/** Each jest run gets its own folder, so runs side by side never read each other's server. */
export function runDirectory(runId: string | number): string {
  return join(TEST_OUTPUT_DIR, 'runs', String(runId));
}

export interface HarnessInfo {
  temporalAddress: string;
  namespace: string;
  /** The Temporal CLI binary (for tests that drive the official CLI or start a private server). */
  cliPath: string;
  /** The shared server's UI, when global setup started it with one. */
  uiUrl?: string;
  workflowBundlePath: string;
  /** KYC_PAYLOAD_KEYS of the whole run: every stack, worker process and client encrypts with it. */
  payloadKeys: string;
  /** The run's codec server (the UI's `--ui-codec-endpoint`; the CLI's `--codec-endpoint`). */
  codecUrl: string;
}

export function harnessInfo(): HarnessInfo {
  const file = process.env.KYC_HARNESS_FILE;
  if (!file) throw new Error('KYC_HARNESS_FILE is not set: run the tests through jest (its global setup sets it)');
  return JSON.parse(readFileSync(file, 'utf8')) as HarnessInfo;
}
