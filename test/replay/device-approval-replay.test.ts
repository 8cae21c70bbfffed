/**
 * Replays the recorded device-approval histories (test/histories/device-approval/*.json, recorded
 * on a real server by device-approval-histories.test.ts) against the current workflow code. No
 * server is needed. A change that would break runs already in flight fails here: guard it with
 * `patched()` and record new histories for the new code path.
 */
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import {
  recorded as recordedIn,
  recordedJson as recordedJsonIn,
  bundleForReplay,
  replayAll,
} from '../support/histories';

const recordedJson = () => recordedJsonIn('device-approval');
const recorded = () => recordedIn('device-approval');

let options: ReplayWorkerOptions;

beforeAll(async () => {
  // Bundled once from source, so the replay checks exactly the code in the tree.
  const code = await bundleForReplay();
  options = { workflowBundle: { code } };
});

it('has recorded histories of every branch to replay', () => {
  expect(recorded().map((entry) => entry.workflowId)).toEqual(
    expect.arrayContaining([
      'sms-wrong-then-approved',
      'email-resent-then-approved',
      'liveness-approved',
      'expired-and-disabled',
      'cancelled-and-disabled',
      'locked-by-attempts',
      'locked-by-bank',
      'rejected-not-an-approver',
      'bank-unavailable-then-approved',
      'validate-timeout-confirmed-by-status-read',
      // Recorded by workflow-cancellation.test.ts (patch device-approval-cancel-scope).
      'workflow-cancelled-and-disabled',
      // Patch device-approval-reminders: a reminder re-send and the deadline warning.
      'reminded-warned-then-approved',
      // Recorded by completion-notifications.test.ts (patch device-approval-completion-notification).
      'liveness-approved-notified',
    ]),
  );
});

it('replays every recorded history with the current workflow code', async () => {
  const { failures, replayed } = await replayAll(options, recorded());
  expect(failures).toEqual([]);
  expect(replayed).toBe(recorded().length);
});

it('detects a history the code no longer matches (the check can fail)', async () => {
  const entry = recordedJson().find((candidate) => candidate.workflowId === 'sms-wrong-then-approved')!;
  const altered = structuredClone(entry.history);
  const scheduled = altered.events.find((event) => event.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED');
  scheduled!.activityTaskScheduledEventAttributes!.activityType!.name = 'bankCreateDeviceBeforeRename';
  await expect(Worker.runReplayHistory(options, historyFromJSON(altered), entry.workflowId)).rejects.toBeInstanceOf(
    DeterminismViolationError,
  );
});
