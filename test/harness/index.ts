export {
  startTestStack,
  spawnWorkerProcess,
  spawnCallbackReceiverProcess,
  uniqueId,
  decodePayloads,
  CALLBACK_PATH,
} from './stack';
export type { TestStack, TestStackOptions } from './stack';
export type { WorkerProcess } from '../../scripts/lib/worker-process';
export { harnessInfo } from './harness-info';
export type { HarnessInfo } from './harness-info';
export { startDevServer } from '../../scripts/lib/dev-server';
export type { DevServer } from '../../scripts/lib/dev-server';
export { waitFor } from './wait';
