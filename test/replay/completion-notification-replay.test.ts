/**
 * Replays the recorded completion-notification histories without a server: the delivery workflow
 * (test/histories/completion-notification/) and a device approval that sent its notification
 * (test/histories/device-approval/liveness-approved-notified.json, patch
 * device-approval-completion-notification), both recorded by completion-notifications.test.ts
 * with RECORD_DEVICE_APPROVAL_HISTORIES=1.
 */
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { recorded, recordedJson, bundleForReplay, replayAll } from '../support/histories';

let options: ReplayWorkerOptions;

beforeAll(async () => {
  const code = await bundleForReplay();
  options = { workflowBundle: { code } };
});

const notifiedApproval = () =>
  recorded('device-approval').filter((entry) => entry.workflowId === 'liveness-approved-notified');

it('has a delivery and a notified approval to replay, the approval with its patch marker', () => {
  expect(recorded('completion-notification').map((entry) => entry.workflowId)).toEqual(['delivered-after-3-failures']);
  const [approval] = recordedJson('device-approval').filter((e) => e.workflowId === 'liveness-approved-notified');
  // Patch markers carry their id as a base64 JSON payload.
  const patches = [...JSON.stringify(approval?.history).matchAll(/"core_patch".*?"data":"([A-Za-z0-9+/=]+)"/g)].map(
    ([, data]) => Buffer.from(data!, 'base64').toString('utf8'),
  );
  expect(patches).toEqual([JSON.stringify({ id: 'device-approval-completion-notification', deprecated: false })]);
});

it('replays them with the current workflow code', async () => {
  const { failures, replayed } = await replayAll(options, [
    ...recorded('completion-notification'),
    ...notifiedApproval(),
  ]);
  expect(failures).toEqual([]);
  expect(replayed).toBe(2);
});

it('detects a delivery history the code no longer matches (the check can fail)', async () => {
  const [entry] = recordedJson('completion-notification');
  const altered = structuredClone(entry!.history);
  const scheduled = altered.events.find((event) => event.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED');
  scheduled!.activityTaskScheduledEventAttributes!.activityType!.name = 'deliverNotificationRenamed';
  await expect(Worker.runReplayHistory(options, historyFromJSON(altered), entry!.workflowId)).rejects.toBeInstanceOf(
    DeterminismViolationError,
  );
});
