/** What global setup tells the test files: where the shared server is and the prebuilt workflow bundle. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const TEST_OUTPUT_DIR = join(__dirname, '..', '..', 'test-output');
export const HARNESS_FILE = join(TEST_OUTPUT_DIR, 'harness.json');

export interface HarnessInfo {
  temporalAddress: string;
  namespace: string;
  /** The Temporal CLI binary (for tests that drive the official CLI or start a private server). */
  cliPath: string;
  /** The shared server's UI, when global setup started it with one. */
  uiUrl?: string;
  workflowBundlePath: string;
}

export function harnessInfo(): HarnessInfo {
  return JSON.parse(readFileSync(process.env.KYC_HARNESS_FILE ?? HARNESS_FILE, 'utf8')) as HarnessInfo;
}
