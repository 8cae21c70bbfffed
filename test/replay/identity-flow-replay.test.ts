/**
 * Replays the recorded identity-flow histories (test/histories/identity-flow/*.json, recorded on a
 * real server by test/integration/identity-flow-pending.test.ts) against the current workflow
 * code, without a server. The `unpatched-*` ones were recorded before the
 * 'identity-flow-poller-cancel-wait' patch and must keep replaying on the old path; the others
 * carry its marker. Their payloads are encrypted with the fixture key of test/support/replay-key.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { ReplayWorkerOptions } from '@temporalio/worker';
import { loadPayloadEncryptionConfig } from '../../common/config';
import { createDataConverter } from '../../common/data-converter';
import { REPLAY_FIXTURE_PAYLOAD_KEYS } from '../support/replay-key';
import { bundleForReplay, replayAll } from '../support/histories';

const HISTORIES_DIR = join(__dirname, '..', 'histories', 'identity-flow');
const PATCH_ID = 'identity-flow-poller-cancel-wait';

function recorded() {
  return readdirSync(HISTORIES_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const text = readFileSync(join(HISTORIES_DIR, file), 'utf8');
      return { workflowId: file.replace(/\.json$/, ''), text, history: historyFromJSON(JSON.parse(text)) };
    });
}

interface JsonMarkerEvent {
  markerRecordedEventAttributes?: {
    markerName?: string;
    details?: Record<string, { payloads?: Array<{ data?: string }> }>;
  };
}

/** The ids of the patches whose markers a recorded history holds. */
function patchIds(text: string): string[] {
  const { events } = JSON.parse(text) as { events: JsonMarkerEvent[] };
  return events
    .map((event) => event.markerRecordedEventAttributes)
    .filter((marker) => marker?.markerName === 'core_patch')
    .map((marker) => {
      const data = marker?.details?.['patch-data']?.payloads?.[0]?.data ?? '';
      return (JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { id: string }).id;
    });
}

let options: ReplayWorkerOptions;

beforeAll(async () => {
  const code = await bundleForReplay();
  const dataConverter = createDataConverter(
    loadPayloadEncryptionConfig({ KYC_PAYLOAD_KEYS: REPLAY_FIXTURE_PAYLOAD_KEYS }),
  );
  options = { workflowBundle: { code }, dataConverter };
});

it('has histories from before and after the poller-cancel-wait patch', () => {
  const histories = recorded();
  const names = histories.map((entry) => entry.workflowId);
  expect(names).toEqual(
    expect.arrayContaining([
      'unpatched-callback-woken',
      'unpatched-polled-to-fail',
      'callback-woken',
      'polled-to-fail',
    ]),
  );
  // Only these four were recorded for this patch; the folder's other recordings (cancellation,
  // continue-as-new) come from other changes and are replayed below like every history.
  const own = ['unpatched-callback-woken', 'unpatched-polled-to-fail', 'callback-woken', 'polled-to-fail'];
  for (const { workflowId, text } of histories.filter((entry) => own.includes(entry.workflowId))) {
    expect([workflowId, patchIds(text)]).toEqual([workflowId, workflowId.startsWith('unpatched-') ? [] : [PATCH_ID]]);
  }
});

it('has a callback-woken history from before and one from after the prompt-completion patch', () => {
  const byName = new Map(recorded().map((entry) => [entry.workflowId, patchIds(entry.text)]));
  // Before: the run waited for the cancelled poller; after: it completed at once (issue 11).
  expect(byName.get('callback-woken')).not.toContain('identity-flow-prompt-completion');
  expect(byName.get('callback-woken-prompt')).toContain('identity-flow-prompt-completion');
});

it('replays every recorded identity-flow history with the current workflow code', async () => {
  const { failures, replayed } = await replayAll(options, recorded());
  expect(failures).toEqual([]);
  expect(replayed).toBe(recorded().length);
});
