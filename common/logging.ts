/**
 * The worker's log output. Every log goes through the SDK's logger (the Runtime's), which adds
 * its context as metadata: in an activity `namespace`, `taskQueue`, `workflowId`,
 * `workflowRunId`, `workflowType`, `activityId`, `activityType` and `attempt`; in a workflow
 * `namespace`, `taskQueue`, `workflowId`, `runId` and `workflowType`. With KYC_LOG_FORMAT=json
 * each entry is one JSON object per line on stdout, metadata as top-level fields, for a log
 * pipeline to index; the default is the SDK's text lines on stderr. Neither carries the
 * activity task token.
 *
 * Nothing here filters personal data: the code that logs never passes it (ids are derived from
 * the callers' own ids, and the providers' bodies are redacted before anything keeps them).
 */
import { formatWithOptions } from 'node:util';
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';

export type LogFormat = 'text' | 'json';

/** A metadata value as JSON: errors as their name and message, bigints as strings, the rest as is. */
function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

/**
 * Metadata left out in both formats: the SDK's activity `taskToken` is a capability (with API
 * access it completes the activity) and repeats the ids already logged as fields.
 */
const OMITTED_META = new Set(['taskToken']);

/** The entry's metadata without `OMITTED_META`. */
function loggedMeta(entry: LogEntry): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entry.meta ?? {}).filter(([key]) => !OMITTED_META.has(key)));
}

/**
 * One log entry as the SDK's default text line (`<time> [LEVEL] message { meta }`, as its
 * DefaultLogger writes to stderr), without `OMITTED_META`. `colors` as the SDK decides for stderr.
 */
export function formatTextLogLine(entry: LogEntry, colors = false): string {
  const format = (value: unknown): string => formatWithOptions({ colors }, value);
  const time = new Date(Number(entry.timestampNanos / 1_000_000n));
  const meta = loggedMeta(entry);
  return `${format(time)} [${entry.level}] ${entry.message}` + (Object.keys(meta).length > 0 ? ` ${format(meta)}` : '');
}

/**
 * One log entry as a JSON line: `{"time","level","message",...meta}`; `time` is ISO 8601 UTC
 * with milliseconds. Metadata never overwrites the three fixed fields.
 */
export function formatJsonLogLine(entry: LogEntry): string {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  return JSON.stringify({ ...loggedMeta(entry), time, level: entry.level, message: entry.message }, jsonSafe);
}

/**
 * The Runtime's logger: the SDK's text lines on stderr, or JSON lines on stdout; `write` replaces
 * the stream (tests).
 */
export function createLogger(level: LogLevel, format: LogFormat, write?: (line: string) => void): DefaultLogger {
  if (format === 'text') {
    const colors = write === undefined && process.stderr.isTTY && process.stderr.hasColors();
    const out = write ?? ((line: string) => process.stderr.write(`${line}\n`));
    return new DefaultLogger(level, (entry) => out(formatTextLogLine(entry, colors)));
  }
  const out = write ?? ((line: string) => process.stdout.write(`${line}\n`));
  return new DefaultLogger(level, (entry) => out(formatJsonLogLine(entry)));
}
