/**
 * Temporal visibility queries built from typed search-attribute keys instead of string pasting.
 * Every value goes through `literal()`, which quotes and escapes it, so a value can never end
 * its string and add a clause of its own (`x' OR WorkflowType = 'y` stays one keyword).
 */
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { FIRST_STARTED_AT_KEY } from '../contracts/first-started-at';

/** A typed search-attribute key, as `defineSearchAttributeKey` returns it (the SDK does not export the type). */
export interface SearchAttributeKey<T extends SearchAttributeType> {
  name: string;
  type: T;
}

/** The server's own attributes that our lists filter on, typed like the custom ones. */
export const BUILTIN = {
  WorkflowId: defineSearchAttributeKey('WorkflowId', SearchAttributeType.KEYWORD),
  WorkflowType: defineSearchAttributeKey('WorkflowType', SearchAttributeType.KEYWORD),
  ExecutionStatus: defineSearchAttributeKey('ExecutionStatus', SearchAttributeType.KEYWORD),
  TaskQueue: defineSearchAttributeKey('TaskQueue', SearchAttributeType.KEYWORD),
  StartTime: defineSearchAttributeKey('StartTime', SearchAttributeType.DATETIME),
  CloseTime: defineSearchAttributeKey('CloseTime', SearchAttributeType.DATETIME),
} as const;

/** `ExecutionStatus` values as the visibility store spells them. */
export const EXECUTION_STATUSES = [
  'Running',
  'Completed',
  'Failed',
  'Canceled',
  'Terminated',
  'ContinuedAsNew',
  'TimedOut',
] as const;
export type ExecutionStatusValue = (typeof EXECUTION_STATUSES)[number];

/** The literal type a filter on an attribute of type T compares with (a keyword list matches one member). */
type ValueOf<T extends SearchAttributeType> = T extends 'INT' | 'DOUBLE'
  ? number
  : T extends 'BOOL'
    ? boolean
    : T extends 'DATETIME'
      ? Date
      : string;

/** One clause of a query; build them with the functions below and join with `and`. */
export interface Clause {
  readonly text: string;
}

const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function attribute(key: SearchAttributeKey<SearchAttributeType>): string {
  if (!ATTRIBUTE_NAME.test(key.name)) throw new Error(`not a search attribute name: ${JSON.stringify(key.name)}`);
  return key.name;
}

/**
 * A quoted literal. The server's query parser reads backslash escapes inside quotes; control
 * characters have no business in a filter value and are refused.
 */
export function literal(value: string | number | boolean | Date): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('a query number must be finite');
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = value instanceof Date ? value.toISOString() : value;
  if (/[\u0000-\u001f\u007f]/.test(text)) throw new Error('a query value must not contain control characters');
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function equals<T extends SearchAttributeType>(key: SearchAttributeKey<T>, value: ValueOf<T>): Clause {
  return { text: `${attribute(key)} = ${literal(value)}` };
}

export function oneOf<T extends SearchAttributeType>(
  key: SearchAttributeKey<T>,
  values: readonly ValueOf<T>[],
): Clause {
  if (values.length === 0) throw new Error(`oneOf(${key.name}) needs at least one value`);
  if (values.length === 1) return equals(key, values[0] as ValueOf<T>);
  return { text: `${attribute(key)} IN (${values.map((value) => literal(value)).join(', ')})` };
}

export function before(key: SearchAttributeKey<'DATETIME'>, time: Date): Clause {
  return { text: `${attribute(key)} < ${literal(time)}` };
}

export function after(key: SearchAttributeKey<'DATETIME'>, time: Date): Clause {
  return { text: `${attribute(key)} > ${literal(time)}` };
}

/**
 * Flows whose first run started before `time`: `KycFirstStartedAt` (carried by continue-as-new),
 * falling back to `StartTime` for runs started before the attribute existed.
 */
export function firstStartedBefore(time: Date): Clause {
  const first = attribute(FIRST_STARTED_AT_KEY);
  return {
    text: `(${first} < ${literal(time)} OR (${first} IS NULL AND ${attribute(BUILTIN.StartTime)} < ${literal(time)}))`,
  };
}

export function executionStatus(status: ExecutionStatusValue): Clause {
  return equals(BUILTIN.ExecutionStatus, status);
}

/** Joins clauses with AND; undefined entries (optional filters not given) are skipped. */
export function and(...clauses: Array<Clause | undefined>): string {
  return clauses
    .filter((clause): clause is Clause => clause !== undefined)
    .map((clause) => clause.text)
    .join(' AND ');
}
