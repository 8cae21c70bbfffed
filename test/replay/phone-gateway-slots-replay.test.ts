/**
 * Replays the slot ledger's recorded histories (test/histories/phone-gateway-slots/*.json, written
 * by test/integration/phone-gateway-slots-history.test.ts) with the current workflow code, no
 * server needed: `cursor-before-grid` was recorded with the single-cursor ledger, before the
 * `phone-gateway-slot-grid` patch (no marker in it); `grid` with the patch. A ledger running when
 * the grid shipped replays its updates through the cursor, rebuilding the schedule it really
 * handed out, and switches to the grid only for updates after it.
 */
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { bundleForReplay, recorded, recordedJson, replayAll } from '../support/histories';

const FOLDER = 'phone-gateway-slots';

let options: ReplayWorkerOptions;

beforeAll(async () => {
  options = { workflowBundle: { code: await bundleForReplay() } };
});

const eventTypes = (name: string): string[] =>
  recordedJson(FOLDER)
    .find((entry) => entry.workflowId === name)!
    .history.events.map((event) => String(event.eventType));

it('has a history from before the grid (no patch marker) and one with it', () => {
  expect(recordedJson(FOLDER).map((entry) => entry.workflowId)).toEqual(['cursor-before-grid', 'grid']);
  expect(eventTypes('cursor-before-grid')).not.toContain('EVENT_TYPE_MARKER_RECORDED');
  expect(eventTypes('grid')).toContain('EVENT_TYPE_MARKER_RECORDED');
  for (const name of ['cursor-before-grid', 'grid'])
    expect(eventTypes(name).filter((type) => type === 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED')).toHaveLength(
      4,
    );
});

it('replays every recorded history with the current workflow code', async () => {
  const { failures, replayed } = await replayAll(options, recorded(FOLDER));
  expect(failures).toEqual([]);
  expect(replayed).toBe(2);
});

it('detects a history the code no longer matches (the check can fail)', async () => {
  const entry = recordedJson(FOLDER).find((candidate) => candidate.workflowId === 'cursor-before-grid')!;
  const altered = structuredClone(entry.history) as { events: Array<Record<string, unknown>> };
  // The ledger's workflow type renamed: the code has no such workflow.
  const started = altered.events[0]!.workflowExecutionStartedEventAttributes as { workflowType: { name: string } };
  started.workflowType.name = 'slotLedgerBeforeRename';
  await expect(Worker.runReplayHistory(options, historyFromJSON(altered), entry.workflowId)).rejects.toThrow();
});
