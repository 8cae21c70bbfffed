/**
 * The wait of `kyc phone check`, `kyc identity start` and `kyc device start` for what the workflow
 * answers. While no worker picks the workflow up the command would wait silently: after
 * `NO_WORKER_NOTICE_AFTER_MS` it prints one line saying so (task queue, namespace, workflow id,
 * never personal data) and keeps waiting, since a worker that starts later continues the
 * workflow. Ctrl-C (SIGINT) or SIGTERM stops the wait, not the workflow: the calls in flight are
 * cancelled and the command exits 130 naming the workflow and the command that follows it later.
 */
import type { KycClient } from '../kyc-client';
import type { CliContext } from './context';
import { InterruptedError, interruptScope } from './signals';

/** About how long a workflow task may wait for a worker before the command says so. */
export const NO_WORKER_NOTICE_AFTER_MS = 10_000;
/** How often the command looks again after that, until it has said it once. */
const RECHECK_MS = 5_000;

export interface AwaitedWorkflow {
  workflowId: string;
  /** `phone check`, `identity flow`, `device approval`. */
  flow: string;
  /** The `kyc` command that follows it after Ctrl-C, e.g. `kyc phone status <requestId>`. */
  followCommand: string;
}

/** The wait was stopped by Ctrl-C or SIGTERM; the workflow keeps running (exit 130). */
export class WaitInterruptedError extends InterruptedError {
  override readonly name: string = 'WaitInterruptedError';
  constructor(
    readonly workflowId: string,
    flow: string,
    followCommand: string,
  ) {
    super(
      `stopped waiting for ${flow} ${workflowId}; the workflow keeps running (follow it with \`${followCommand}\`)`,
    );
  }
}

/**
 * Runs `wait` (the start and the read of its answer) with the notice above and Ctrl-C handling.
 * Resolves what `wait` resolves; rejects with what it rejects, or `WaitInterruptedError` once
 * interrupted (whatever the cancelled calls threw: the command's own stop is no failure of theirs).
 */
export async function awaitWorkflow<T>(
  context: CliContext,
  kyc: KycClient,
  awaited: AwaitedWorkflow,
  wait: () => Promise<T>,
  noticeAfterMs: number = NO_WORKER_NOTICE_AFTER_MS,
): Promise<T> {
  const interrupt = interruptScope();
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  const check = async (): Promise<void> => {
    try {
      const unpolled = await kyc.unpolledWorkflow(awaited.workflowId, noticeAfterMs);
      if (unpolled && !done && !interrupt.signal.aborted) {
        const seconds = Math.round(unpolled.waitingMs / 1000);
        const message =
          `no worker seems to be polling task queue ${unpolled.taskQueue} in namespace ${unpolled.namespace} ` +
          `(${awaited.flow} ${awaited.workflowId} has waited ${seconds} s for one); still waiting: it continues ` +
          `when a worker starts. Ctrl-C stops waiting; the workflow keeps running (follow it later with ` +
          `\`${awaited.followCommand}\`)`;
        context.io.stderr.write(
          context.json
            ? `${JSON.stringify({ notice: { type: 'NoWorkerPolling', workflowId: awaited.workflowId, ...unpolled, message } })}\n`
            : `kyc: ${message}\n`,
        );
        return;
      }
    } catch {
      // Best effort: a server that cannot be asked is reported by the wait itself.
    }
    if (!done) timer = setTimeout(() => void check(), RECHECK_MS);
  };
  // A second late: the workflow task is scheduled only once the start below has reached the server.
  timer = setTimeout(() => void check(), noticeAfterMs + 1_000);
  try {
    return await kyc.temporal.connection.withAbortSignal(interrupt.signal, wait);
  } catch (error) {
    if (interrupt.signal.aborted)
      throw new WaitInterruptedError(awaited.workflowId, awaited.flow, awaited.followCommand);
    throw error;
  } finally {
    done = true;
    clearTimeout(timer);
    interrupt.dispose();
  }
}
