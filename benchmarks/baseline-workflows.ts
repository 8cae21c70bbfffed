/**
 * The benchmark's baselines, in a bundle of their own, with no project code and no validation, so
 * the difference to the real workflows is what the project adds: a bare waiting workflow (memory
 * per waiting approval) and the device approval's and phone check's shapes (throughput).
 */
import { allHandlersFinished, condition, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';

export const baselineTokenUpdate = defineUpdate<'accepted', [{ token: string }]>('submitToken');

export async function baselineWaitingWorkflow(): Promise<'APPROVED'> {
  let token: string | undefined;
  setHandler(baselineTokenUpdate, (args) => {
    token = args.token;
    return 'accepted';
  });
  await condition(() => token !== undefined);
  return 'APPROVED';
}

/** The no-op activities of the throughput baselines (benchmarks/baseline-worker.ts registers them). */
export interface BaselineActivities {
  baselineNoop(input: { step: string }): Promise<{ step: string }>;
}

const { baselineNoop } = proxyActivities<BaselineActivities>({ startToCloseTimeout: '30 seconds' });

/**
 * The device approval's shape with no project code: a no-op activity (the device's creation), an
 * Update that waits for it and runs a second no-op activity (the token's validation), done.
 */
export async function baselineDeviceApprovalWorkflow(): Promise<'APPROVED'> {
  let created = false;
  let approved = false;
  setHandler(baselineTokenUpdate, async (): Promise<'accepted'> => {
    await condition(() => created);
    await baselineNoop({ step: 'validate' });
    approved = true;
    return 'accepted';
  });
  await baselineNoop({ step: 'create' });
  created = true;
  await condition(() => approved && allHandlersFinished());
  return 'APPROVED';
}

/** The phone check's shape with no project code: one no-op activity. */
export async function baselinePhoneCheckWorkflow(): Promise<'VERIFIED'> {
  await baselineNoop({ step: 'call' });
  return 'VERIFIED';
}
