/**
 * What a Temporal namespace needs before the project can use it: the namespace itself and every
 * custom search attribute of contracts/search-attributes.ts. The worker checks it at start, the
 * client library and CLI check it when a start or a list goes wrong, and the operator step
 * (scripts/setup-namespace.ts: cluster mode and docker-compose's `kyc-setup`) creates what is
 * missing. Search attributes are not encrypted by the payload codec: they never hold personal data.
 */
import type { SearchAttributePair } from '@temporalio/common';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { ALL_SEARCH_ATTRIBUTES } from '../contracts/search-attributes';

type WorkflowService = temporal.api.workflowservice.v1.WorkflowService;
type OperatorService = temporal.api.operatorservice.v1.OperatorService;
const IndexedValueType = temporal.api.enums.v1.IndexedValueType;

/** The two gRPC services used here: both `Connection` (client) and `NativeConnection` (worker) offer them. */
export interface TemporalServices {
  workflowService: WorkflowService;
  operatorService: OperatorService;
}

const INDEXED_TYPES: Record<SearchAttributePair['key']['type'], temporal.api.enums.v1.IndexedValueType> = {
  TEXT: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** The `temporal` CLI's names of the types (`--type` of `temporal operator search-attribute create`). */
export const CLI_TYPE_NAMES: Record<SearchAttributePair['key']['type'], string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/**
 * Custom search attributes per namespace that SQL visibility allows, by type: the pre-allocated
 * columns Bool01..Bool03, Keyword01..Keyword10, ... of the server's
 * schema/postgresql/v12/visibility/schema.sql (v1.29.1). Elasticsearch has no such limit.
 */
export const SQL_VISIBILITY_LIMITS: Record<SearchAttributePair['key']['type'], number> = {
  BOOL: 3,
  DATETIME: 3,
  DOUBLE: 3,
  INT: 3,
  KEYWORD: 10,
  KEYWORD_LIST: 3,
  TEXT: 3,
};

/** Types of which `keys` holds more than SQL visibility allows per namespace (empty when they fit). */
export function overSqlVisibilityLimits(
  keys: ReadonlyArray<SearchAttributePair['key']> = ALL_SEARCH_ATTRIBUTES,
): Array<{ type: string; count: number; limit: number }> {
  const counts = new Map<SearchAttributePair['key']['type'], number>();
  for (const key of keys) counts.set(key.type, (counts.get(key.type) ?? 0) + 1);
  return [...counts]
    .filter(([type, count]) => count > SQL_VISIBILITY_LIMITS[type])
    .map(([type, count]) => ({ type, count, limit: SQL_VISIBILITY_LIMITS[type] }));
}

/** What is missing on the server; `undefined` from `checkNamespaceSetup` when nothing is. */
export interface SetupProblem {
  namespace: string;
  namespaceMissing: boolean;
  /** Names of the project's search attributes the namespace does not have (all of them when it is missing). */
  missingSearchAttributes: string[];
  /** One paragraph naming what is missing and the commands that create it. */
  message: string;
}

/** Thrown by the worker at start when the namespace is not set up; `problem` says what is missing. */
export class NamespaceSetupError extends Error {
  override readonly name = 'NamespaceSetupError';
  constructor(readonly problem: SetupProblem) {
    super(problem.message);
  }
}

function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}
const NOT_FOUND = 5;

function describeProblem(namespace: string, namespaceMissing: boolean, missing: string[]): string {
  const byName = new Map(ALL_SEARCH_ATTRIBUTES.map((key) => [key.name, key]));
  const what = namespaceMissing
    ? `the namespace "${namespace}" does not exist`
    : `the namespace "${namespace}" lacks the search attribute${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`;
  const commands = [
    ...(namespaceMissing ? [`temporal operator namespace create --namespace ${namespace}`] : []),
    ...missing.map(
      (name) =>
        `temporal operator search-attribute create --namespace ${namespace} --name ${name} --type ${CLI_TYPE_NAMES[byName.get(name)!.type]}`,
    ),
  ];
  return (
    `Temporal is not set up for kyc-temporal: ${what}. Create ${namespaceMissing ? 'it and the search attributes' : 'them'} ` +
    `with \`npm run setup-namespace\` (\`node lib/scripts/setup-namespace.js\` in a built image; uses TEMPORAL_ADDRESS and ` +
    `TEMPORAL_NAMESPACE), or with the temporal CLI:\n  ${commands.join('\n  ')}`
  );
}

/**
 * The problem of a namespace that does not exist (then every search attribute is missing too):
 * what `checkNamespaceSetup` resolves for it, and what a caller told "namespace not found" by the
 * server reports without asking again.
 */
export function missingNamespaceProblem(namespace: string): SetupProblem {
  const all = ALL_SEARCH_ATTRIBUTES.map((key) => key.name);
  return {
    namespace,
    namespaceMissing: true,
    missingSearchAttributes: all,
    message: describeProblem(namespace, true, all),
  };
}

/**
 * Reads the namespace and its custom search attributes. Resolves `undefined` when both are there,
 * a `SetupProblem` otherwise. Other failures (server unreachable) reject with the SDK's error.
 */
export async function checkNamespaceSetup(
  services: TemporalServices,
  namespace: string,
): Promise<SetupProblem | undefined> {
  let known: Set<string>;
  try {
    await services.workflowService.describeNamespace({ namespace });
    const listed = await services.operatorService.listSearchAttributes({ namespace });
    known = new Set(Object.keys(listed.customAttributes ?? {}));
  } catch (error) {
    if (grpcCode(error) !== NOT_FOUND) throw error;
    return missingNamespaceProblem(namespace);
  }
  const missing = ALL_SEARCH_ATTRIBUTES.map((key) => key.name).filter((name) => !known.has(name));
  if (missing.length === 0) return undefined;
  return {
    namespace,
    namespaceMissing: false,
    missingSearchAttributes: missing,
    message: describeProblem(namespace, false, missing),
  };
}

export interface EnsureNamespaceOptions {
  /** Retention of closed workflows when the namespace is created (default 7 days; an existing one is left as it is). */
  retentionDays?: number;
  /**
   * How long to retry the search-attribute step while the server does not see the new namespace
   * yet ("namespace not found" for about a second after creation on a cluster). Default 30 s.
   */
  timeoutMs?: number;
}

export interface EnsureNamespaceResult {
  createdNamespace: boolean;
  addedSearchAttributes: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Creates the namespace when it does not exist and adds the search attributes it lacks. Safe to
 * run again. Refuses before any change when the project's attributes would not fit SQL
 * visibility's per-namespace limits. Rejects with the server's error after `timeoutMs`.
 */
export async function ensureNamespaceSetup(
  services: TemporalServices,
  namespace: string,
  options: EnsureNamespaceOptions = {},
): Promise<EnsureNamespaceResult> {
  const over = overSqlVisibilityLimits();
  if (over.length > 0) {
    const list = over.map((item) => `${item.count} ${item.type} (limit ${item.limit})`).join(', ');
    throw new Error(`the project's search attributes exceed SQL visibility's per-namespace limits: ${list}`);
  }
  let createdNamespace = false;
  try {
    await services.workflowService.describeNamespace({ namespace });
  } catch (error) {
    if (grpcCode(error) !== NOT_FOUND) throw error;
    const days = options.retentionDays ?? 7;
    await services.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs(`${days} days`),
    });
    createdNamespace = true;
  }

  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    try {
      const listed = await services.operatorService.listSearchAttributes({ namespace });
      const known = new Set(Object.keys(listed.customAttributes ?? {}));
      const missing = ALL_SEARCH_ATTRIBUTES.filter((key) => !known.has(key.name));
      if (missing.length > 0) {
        await services.operatorService.addSearchAttributes({
          namespace,
          searchAttributes: Object.fromEntries(missing.map((key) => [key.name, INDEXED_TYPES[key.type]])),
        });
      }
      return { createdNamespace, addedSearchAttributes: missing.map((key) => key.name) };
    } catch (error) {
      // A namespace just created is "not found" by the operator service until its registry refreshes.
      if (grpcCode(error) !== NOT_FOUND || Date.now() > deadline) throw error;
      await sleep(250);
    }
  }
}
