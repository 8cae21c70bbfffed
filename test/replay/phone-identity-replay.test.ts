/**
 * Replays the recorded phone-check and identity-tracker histories (test/histories/phone-check/
 * and test/histories/identity-flow/, recorded on a real server by
 * test/integration/phone-identity-histories.test.ts) against the current workflow code, without a
 * server. A change that would break runs already in flight fails here: guard it with `patched()`
 * and record new histories for the new code path.
 */
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { recorded, recordedJson, bundleForReplay, replayAll } from '../support/histories';

let options: ReplayWorkerOptions;

/** This test's histories (recorded decoded); the folder also holds encrypted ones that their own replay test decodes. */
const mine = (folder: string) => recorded(folder).filter((entry) => EXPECTED[folder]!.includes(entry.workflowId));

beforeAll(async () => {
  // Bundled once from source, so the replay checks exactly the code in the tree.
  const code = await bundleForReplay();
  options = { workflowBundle: { code } };
});

const EXPECTED: Record<string, string[]> = {
  'phone-check': [
    'verified',
    'mismatch',
    'busy-then-verified',
    'busy-until-retries-exhausted',
    'input-rejected',
    // Recorded by workflow-cancellation.test.ts (patch phone-check-cancel-outcome).
    'cancelled-while-call-in-flight',
    'cancelled-between-retries',
  ],
  'identity-flow': [
    'polled-init-ing-success',
    'polled-fail',
    'callback-wake-success',
    'deadline-expired',
    'continued-as-new-first-run',
    'continued-as-new-then-success',
    // Recorded by workflow-cancellation.test.ts (patch identity-flow-cancel-status).
    'workflow-cancelled',
  ],
};

/** One history per folder whose first scheduled activity is renamed: replay must refuse it. */
const ALTERED: Record<string, string> = {
  'phone-check': 'verified',
  'identity-flow': 'continued-as-new-then-success',
};

describe.each(Object.keys(EXPECTED))('%s', (folder) => {
  it('has recorded histories of the main paths', () => {
    expect(recorded(folder).map((entry) => entry.workflowId)).toEqual(expect.arrayContaining(EXPECTED[folder]!));
  });

  it('replays every recorded history with the current workflow code', async () => {
    const { failures, replayed } = await replayAll(options, mine(folder));
    expect(failures).toEqual([]);
    expect(replayed).toBe(mine(folder).length);
  });

  it('detects a history the code no longer matches (the check can fail)', async () => {
    const entry = recordedJson(folder).find((candidate) => candidate.workflowId === ALTERED[folder])!;
    const altered = structuredClone(entry.history);
    const scheduled = altered.events.find((event) => event.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED');
    scheduled!.activityTaskScheduledEventAttributes!.activityType!.name = 'activityBeforeRename';
    await expect(Worker.runReplayHistory(options, historyFromJSON(altered), entry.workflowId)).rejects.toBeInstanceOf(
      DeterminismViolationError,
    );
  });
});
