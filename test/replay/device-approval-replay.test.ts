/**
 * Replays the recorded device-approval histories (test/histories/device-approval/*.json, recorded
 * on a real server by device-approval-histories.test.ts) against the current workflow code. No
 * server is needed. A change that would break runs already in flight fails here: guard it with
 * `patched()` and record new histories for the new code path.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';

const HISTORIES_DIR = join(__dirname, '..', 'histories', 'device-approval');

type History = proto.temporal.api.history.v1.IHistory;

/**
 * `historyFromJSON` of @temporalio/common fails in this install ("type must be a Type"): npm keeps
 * two copies of protobufjs 8 (common's and proto's), and its protojson checks types by instanceof.
 * So the CLI's JSON is parsed with the protojson of the copy @temporalio/proto itself uses.
 */
const protojsonPath = require.resolve('protobufjs/ext/protojson', {
  paths: [dirname(require.resolve('@temporalio/proto'))],
});
// eslint-disable-next-line @typescript-eslint/no-require-imports
const protojson = require(protojsonPath) as { fromJson(type: unknown, json: unknown, options: object): History | null };
// The generated types omit the reflection API that the patched root has.
const root = patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown };
const historyType = root.lookupType('temporal.api.history.v1.History');

function historyFromCliJson(json: unknown): History {
  const history = protojson.fromJson(historyType, json, { ignoreUnknownFields: true });
  if (!history) throw new TypeError('not a history');
  return history;
}

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

function recorded(): Array<{ workflowId: string; history: History }> {
  return recordedJson().map(({ workflowId, history }) => ({ workflowId, history: historyFromCliJson(history) }));
}

let options: ReplayWorkerOptions;

beforeAll(async () => {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Installed already by another test file in this jest worker.
  }
  // Bundled once from source, so the replay checks exactly the code in the tree.
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('WARN'),
  });
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
    ]),
  );
});

it('replays every recorded history with the current workflow code', async () => {
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories(options, recorded())) {
    replayed += 1;
    if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
  }
  expect(failures).toEqual([]);
  expect(replayed).toBe(recorded().length);
});

it('detects a history the code no longer matches (the check can fail)', async () => {
  const entry = recordedJson().find((candidate) => candidate.workflowId === 'sms-wrong-then-approved')!;
  const altered = structuredClone(entry.history);
  const scheduled = altered.events.find((event) => event.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED');
  scheduled!.activityTaskScheduledEventAttributes!.activityType!.name = 'bankCreateDeviceBeforeRename';
  await expect(Worker.runReplayHistory(options, historyFromCliJson(altered), entry.workflowId)).rejects.toBeInstanceOf(
    DeterminismViolationError,
  );
});
