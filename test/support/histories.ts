/**
 * Recorded workflow histories (test/histories/<workflow>/*.json): how the recording tests write
 * them (the CLI's `temporal workflow show -o json`, decoded through the run's codec server so the
 * committed files replay without this run's payload keys) and how the replay tests read them.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type * as proto from '@temporalio/proto';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Runtime,
  Worker,
  type BundleOptions,
  type ReplayWorkerOptions,
} from '@temporalio/worker';
import { harnessInfo } from '../harness/harness-info';

export const HISTORIES_ROOT = join(__dirname, '..', 'histories');

export type History = proto.temporal.api.history.v1.IHistory;

/** The few fields the replay tests alter to prove a mismatch is detected. */
export interface JsonEvent {
  eventType?: string;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
  workflowExecutionSignaledEventAttributes?: { signalName?: string };
}

export interface RecordedJson {
  workflowId: string;
  history: { events: JsonEvent[] };
}

/** Every `<name>.json` under test/histories/<folder>, sorted by name; `workflowId` is the file name. */
export function recordedJson(folder: string): RecordedJson[] {
  const dir = join(HISTORIES_ROOT, folder);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({
      workflowId: file.replace(/\.json$/, ''),
      history: JSON.parse(readFileSync(join(dir, file), 'utf8')) as RecordedJson['history'],
    }));
}

export function recorded(folder: string): Array<{ workflowId: string; history: History }> {
  return recordedJson(folder).map(({ workflowId, history }) => ({ workflowId, history: historyFromJSON(history) }));
}

/** One run's history in the CLI's JSON format (which replay accepts), payloads decoded. */
export async function historyJson(workflowId: string, runId?: string): Promise<string> {
  const info = harnessInfo();
  const { stdout } = await promisify(execFile)(
    info.cliPath,
    [
      'workflow',
      'show',
      '--workflow-id',
      workflowId,
      ...(runId ? ['--run-id', runId] : []),
      '--address',
      info.temporalAddress,
      '--namespace',
      info.namespace,
      '-o',
      'json',
      '--codec-endpoint',
      info.codecUrl,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout;
}

/**
 * The replay tests' setup: installs the runtime with a WARN logger (once per jest worker: a second
 * install throws) and bundles the workflows from source, so a replay checks exactly the code in the
 * tree. `extra` adds bundler options (the tracing replay's interceptor modules).
 */
export async function bundleForReplay(extra: Pick<BundleOptions, 'workflowInterceptorModules'> = {}): Promise<string> {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Installed already by another test file in this jest worker.
  }
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('WARN'),
    ...extra,
  });
  return code;
}

/**
 * Replays every history with `options`, as the replay tests do: each failure as
 * `<workflowId>: <error>`, and how many histories were replayed (to check none was skipped).
 */
export async function replayAll(
  options: ReplayWorkerOptions,
  histories: Iterable<{ workflowId: string; history: History }>,
): Promise<{ failures: string[]; replayed: number }> {
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories(options, histories)) {
    replayed += 1;
    if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
  }
  return { failures, replayed };
}
