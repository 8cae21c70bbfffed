/**
 * The baseline of the waiting-at-scale benchmark, in a bundle of its own: a workflow of the device
 * approval's waiting shape (one Update, then done) with no project code and no validation, so the
 * difference to the real workflow is what the project adds per waiting approval.
 */
import { condition, defineUpdate, setHandler } from '@temporalio/workflow';

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
