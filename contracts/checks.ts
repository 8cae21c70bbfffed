/**
 * Zod-free input checks for the workflow side. The worker keeps one module cache per cached
 * workflow (a webpack cache per workflow activator in @temporalio/worker 1.24's reusable VM), so
 * every module a workflow imports is evaluated again for each waiting workflow: zod and its schema
 * objects cost about 1.5 MiB each (docs/performance.md). Workflows and update validators therefore
 * check their inputs with these small checkers; callers keep the zod schemas.
 *
 * The checkers follow zod 4's semantics for the shapes used here, so a caller's error and a
 * workflow's error name the same fields with the same messages: fields in shape order, unknown
 * keys after them (`Unrecognized key: "x"`), a wrong type stops the field's further checks,
 * a failed pattern does not, object refinements run unless a field had a wrong type, `default`
 * fills `undefined`, `prefault` parses its value in place of `undefined`, plain objects drop
 * unknown keys and strict ones refuse them. test/unit/workflow-checks.test.ts holds the two side
 * by side on the same inputs.
 */
/** One problem with an input: the dotted path of the field (`(input)` for the whole) and why. */
export interface FieldIssue {
  field: string;
  message: string;
}

type Path = ReadonlyArray<string | number>;

interface Issue {
  path: Path;
  message: string;
  /** A wrong type: later checks of the same value, and refinements of enclosing objects, are skipped. */
  abort: boolean;
}

/** Where a checker reports problems; the value it returns is meaningful only when none were added. */
export interface CheckContext {
  issues: Issue[];
}

/** Checks (and normalises) one value at `path`. */
export type Checker<T> = (value: unknown, path: Path, context: CheckContext) => T;

/** Runs a checker: the parsed value, or every issue with its dotted field path (`(input)` for the root). */
export function runChecker<T>(
  checker: Checker<T>,
  value: unknown,
): { success: true; data: T } | { success: false; issues: FieldIssue[] } {
  const context: CheckContext = { issues: [] };
  const data = checker(value, [], context);
  if (context.issues.length === 0) return { success: true, data };
  return {
    success: false,
    issues: context.issues.map((issue) => ({
      field: issue.path.length ? issue.path.map(String).join('.') : '(input)',
      message: issue.message,
    })),
  };
}

function receivedType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  return typeof value;
}

function wrongType(expected: string, value: unknown, path: Path, context: CheckContext): void {
  context.issues.push({
    path,
    message: `Invalid input: expected ${expected}, received ${receivedType(value)}`,
    abort: true,
  });
}

function problem(path: Path, message: string, context: CheckContext): void {
  context.issues.push({ path, message, abort: false });
}

/**
 * A rule on a string that has the right type: each failing rule adds its message; none stops the
 * others. `problem`, when given, decides instead of `test` and gives the message itself.
 */
export interface StringRule {
  test: (value: string) => boolean;
  message: string;
  problem?: (value: string) => string | undefined;
}

/** A rule whose message depends on the value (`undefined`: no problem). */
export const ruleWithProblem = (problem: (value: string) => string | undefined): StringRule => ({
  test: (value) => problem(value) === undefined,
  message: '',
  problem,
});

function failure(rule: StringRule, value: string): string | undefined {
  if (rule.problem) return rule.problem(value);
  return rule.test(value) ? undefined : rule.message;
}

export const pattern = (regex: RegExp, message: string): StringRule => ({ test: (v) => regex.test(v), message });
export const maxLength = (
  max: number,
  message = `Too big: expected string to have <=${max} characters`,
): StringRule => ({
  test: (v) => v.length <= max,
  message,
});
export const minLength = (min: number, message: string): StringRule => ({ test: (v) => v.length >= min, message });

export interface StringOptions {
  /** Applied before the rules (zod's `.trim()` / a leading `.transform`). */
  before?: (value: string) => string;
  rules?: StringRule[];
  /** Applied after the rules passed (a trailing `.transform`). */
  after?: (value: string) => string;
  /** Checked only when every rule passed (a `.pipe` into a further check). */
  then?: StringRule[];
}

export function string(options: StringOptions = {}): Checker<string> {
  return (value, path, context) => {
    if (typeof value !== 'string') {
      wrongType('string', value, path, context);
      return '';
    }
    const text = options.before ? options.before(value) : value;
    let ok = true;
    for (const rule of options.rules ?? []) {
      const message = failure(rule, text);
      if (message !== undefined) {
        problem(path, message, context);
        ok = false;
      }
    }
    if (ok) {
      for (const rule of options.then ?? []) {
        const message = failure(rule, text);
        if (message !== undefined) {
          problem(path, message, context);
          ok = false;
        }
      }
    }
    return ok && options.after ? options.after(text) : text;
  };
}

/** An absolute URL, as `z.url()` accepts it (anything the WHATWG URL parser takes, with a host name). */
export function url(): Checker<string> {
  return (value, path, context) => {
    if (typeof value !== 'string') {
      wrongType('string', value, path, context);
      return '';
    }
    let valid = false;
    try {
      valid = new URL(value).hostname.length > 0;
    } catch {
      valid = false;
    }
    if (!valid) problem(path, 'Invalid URL', context);
    return value;
  };
}

export interface NumberOptions {
  int?: boolean;
  /** Inclusive lower bound (`.min`). */
  min?: number;
  /** Exclusive lower bound (`.positive()` is `gt: 0`). */
  gt?: number;
  /** Inclusive upper bound (`.max`). */
  max?: number;
}

export function number(options: NumberOptions = {}): Checker<number> {
  return (value, path, context) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      wrongType('number', value, path, context);
      return 0;
    }
    if (options.int && !Number.isSafeInteger(value)) {
      context.issues.push({ path, message: 'Invalid input: expected int, received number', abort: true });
      return value;
    }
    if (options.min !== undefined && value < options.min) {
      problem(path, `Too small: expected number to be >=${options.min}`, context);
    }
    if (options.gt !== undefined && value <= options.gt) {
      problem(path, `Too small: expected number to be >${options.gt}`, context);
    }
    if (options.max !== undefined && value > options.max) {
      problem(path, `Too big: expected number to be <=${options.max}`, context);
    }
    return value;
  };
}

export function boolean(): Checker<boolean> {
  return (value, path, context) => {
    if (typeof value !== 'boolean') {
      wrongType('boolean', value, path, context);
      return false;
    }
    return value;
  };
}

export function oneOf<const V extends string>(values: readonly V[]): Checker<V> {
  const message = `Invalid option: expected one of ${values.map((v) => JSON.stringify(v)).join('|')}`;
  return (value, path, context) => {
    if (!values.includes(value as V)) context.issues.push({ path, message, abort: true });
    return value as V;
  };
}

export function optional<T>(checker: Checker<T>): Checker<T | undefined> {
  return (value, path, context) => (value === undefined ? undefined : checker(value, path, context));
}

export function nullable<T>(checker: Checker<T>): Checker<T | null> {
  return (value, path, context) => (value === null ? null : checker(value, path, context));
}

/** `undefined` becomes `fallback` as is (zod's `.default`). */
export function withDefault<T>(checker: Checker<T>, fallback: T): Checker<T> {
  return (value, path, context) => (value === undefined ? fallback : checker(value, path, context));
}

/** `undefined` is replaced by `input` before checking (zod's `.prefault`). */
export function prefault<T>(checker: Checker<T>, input: unknown): Checker<T> {
  return (value, path, context) => checker(value === undefined ? input : value, path, context);
}

export function array<T>(item: Checker<T>): Checker<T[]> {
  return (value, path, context) => {
    if (!Array.isArray(value)) {
      wrongType('array', value, path, context);
      return [];
    }
    return value.map((element: unknown, index) => item(element, [...path, index], context));
  };
}

type Shape = Record<string, Checker<unknown>>;
type ShapeOutput<S extends Shape> = { [K in keyof S]: ReturnType<S[K]> };

export interface ObjectOptions<S extends Shape> {
  /** Refuse unknown keys (zod's `strictObject`); otherwise they are dropped. */
  strict?: boolean;
  /** Cross-field rules; `add(field, message)` reports on a field of this object. */
  refine?: (value: ShapeOutput<S>, add: (field: string, message: string) => void) => void;
}

export function object<S extends Shape>(shape: S, options: ObjectOptions<S> = {}): Checker<ShapeOutput<S>> {
  return (value, path, context) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      wrongType('object', value, path, context);
      return {} as ShapeOutput<S>;
    }
    const input = value as Record<string, unknown>;
    const first = context.issues.length;
    const output: Record<string, unknown> = {};
    for (const [key, checker] of Object.entries(shape)) {
      const parsed = checker(input[key], [...path, key], context);
      if (parsed !== undefined || key in input) output[key] = parsed;
    }
    if (options.strict) {
      const unknown = Object.keys(input).filter((key) => !Object.hasOwn(shape, key));
      if (unknown.length > 0) {
        const keys = unknown.map((key) => JSON.stringify(key)).join(', ');
        problem(path, `Unrecognized key${unknown.length > 1 ? 's' : ''}: ${keys}`, context);
      }
    }
    const result = output as ShapeOutput<S>;
    if (options.refine && !context.issues.slice(first).some((issue) => issue.abort)) {
      options.refine(result, (field, message) => problem([...path, field], message, context));
    }
    return result;
  };
}
