/**
 * Replays the phone check histories recorded with the released workflow code
 * (test/histories/phone-check/*.json, written by phone-check-histories.test.ts) against the
 * current code: the unanswered-call policy is behind `patched()`, so checks already in flight
 * keep their command sequence. No server is needed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleForReplay, replayAll } from '../support/histories';

const HISTORIES_DIR = join(__dirname, '..', 'histories', 'phone-check');

interface JsonEvent {
  eventType?: string;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
}

function recordedJson(): Array<{ workflowId: string; history: { events: JsonEvent[] } }> {
  return readdirSync(HISTORIES_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({
      workflowId: file.replace(/\.json$/, ''),
      history: JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')) as { events: JsonEvent[] },
    }));
}

let options: ReplayWorkerOptions;

beforeAll(async () => {
  const code = await bundleForReplay();
  options = { workflowBundle: { code } };
});

it("has the released code's histories, including a timeout retried inside the activity", () => {
  const released = ['auth-rejected', 'timeout-then-verified', 'unavailable-then-mismatch', 'verified'];
  // The folder also holds the histories of test/integration/phone-identity-histories.test.ts and
  // workflow-cancellation.test.ts (replayed by test/replay/phone-identity-replay.test.ts too).
  expect(recordedJson().map((entry) => entry.workflowId)).toEqual(expect.arrayContaining(released));
  // Recorded before the patch: no marker in any of them.
  for (const { history } of recordedJson().filter((entry) => released.includes(entry.workflowId))) {
    expect(history.events.map((event) => event.eventType)).not.toContain('EVENT_TYPE_MARKER_RECORDED');
  }
});

it('replays every recorded history with the current workflow code', async () => {
  const histories = recordedJson().map(({ workflowId, history }) => ({
    workflowId,
    history: historyFromJSON(history),
  }));
  const { failures, replayed } = await replayAll(options, histories);
  expect(failures).toEqual([]);
  expect(replayed).toBe(histories.length);
});

it('detects a history the code no longer matches (the check can fail)', async () => {
  const entry = recordedJson().find((candidate) => candidate.workflowId === 'verified')!;
  const altered = structuredClone(entry.history);
  const scheduled = altered.events.find((event) => event.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED');
  scheduled!.activityTaskScheduledEventAttributes!.activityType!.name = 'checkPhoneBeforeRename';
  await expect(Worker.runReplayHistory(options, historyFromJSON(altered), entry.workflowId)).rejects.toBeInstanceOf(
    DeterminismViolationError,
  );
});
