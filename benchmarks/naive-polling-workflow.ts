/**
 * The baseline the history benchmark measures against, kept out of the production bundle: the
 * naive design, one activity (and, with an interval, one timer) per poll, whose history grows
 * with every poll.
 */
import { proxyActivities, sleep } from '@temporalio/workflow';
import { z } from 'zod';
import { flowIdSchema, isFinalFlowStatus, type IdentityFlowActivityContract } from '../contracts/identity-flow';
import { parseInputOrFail } from '../contracts/validation';

export const naivePollingInputSchema = z.object({
  flowId: flowIdSchema,
  /** A workflow timer between polls; 0 polls back to back (the dev server fires timers at ~1 s granularity). */
  intervalMs: z
    .number()
    .int()
    .min(0)
    .max(24 * 60 * 60 * 1000),
  maxPolls: z.number().int().positive().max(100_000),
});
export type NaivePollingInput = z.input<typeof naivePollingInputSchema>;

export async function identityFlowNaivePollingWorkflow(
  rawInput: NaivePollingInput,
): Promise<{ polls: number; status: string }> {
  const input = parseInputOrFail(naivePollingInputSchema, rawInput, 'naive polling input');
  const { readIdentityOutline } = proxyActivities<IdentityFlowActivityContract>({ startToCloseTimeout: '30 seconds' });
  for (let polls = 1; ; polls++) {
    const read = await readIdentityOutline({ flowId: input.flowId });
    if (read.kind === 'gone') return { polls, status: read.reason };
    if (isFinalFlowStatus(read.outline.flowStatus) || polls >= input.maxPolls)
      return { polls, status: read.outline.flowStatus };
    if (input.intervalMs > 0) await sleep(input.intervalMs);
  }
}
