/**
 * Reading `--input-file`: JSON as integrators save it. A leading UTF-8 byte order mark (what
 * several Windows editors write for "UTF-8") is dropped; malformed JSON is reported by line and
 * column (never by echoing the text, which holds personal data); an unreadable file says why.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';

const BYTE_ORDER_MARK = '\uFEFF';

/**
 * Stops a start command that was given no input at all (no `--input-file` and none of the input's
 * flags) with a usage error (exit 2) saying that the input is missing and how to give it, instead
 * of one schema error per required field. Standard input is read only with `--input-file -`.
 * `what` names the input (`device approval input`), `flags` says which options carry its fields.
 */
export function requireSomeInput(command: Command, given: boolean, what: string, flags: string): void {
  if (given) return;
  const path = [command.parent?.name(), command.name()].filter(Boolean).join(' ');
  command.error(
    `error: no ${what} given: pass it as JSON with --input-file <path>, or --input-file - to read standard input ` +
      `(kyc ${path} --input-file - < input.json); or give ${flags}`,
    { exitCode: 2, code: 'kyc.inputMissing' },
  );
}

/** Why a file could not be read, from its system error code. */
function unreadableReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not a file';
    default:
      return typeof code === 'string' ? `cannot be read (${code})` : 'cannot be read';
  }
}

/** The file's text, or a sentence saying why it cannot be read (`path: not found`). */
export function readInputText(path: string, readStdin: () => string): { text: string } | { problem: string } {
  try {
    return { text: path === '-' ? readStdin() : readFileSync(path, 'utf8') };
  } catch (error) {
    return { problem: `${path === '-' ? 'standard input' : path}: ${unreadableReason(error)}` };
  }
}

/**
 * Parses JSON text (RFC 8259), ignoring one leading byte order mark. Returns the value, or a
 * problem naming the 1-based line and column of the first error (`not valid JSON: unexpected
 * character at line 3, column 7`).
 */
export function parseJsonText(raw: string): { value: unknown } | { problem: string } {
  const text = raw.startsWith(BYTE_ORDER_MARK) ? raw.slice(1) : raw;
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    const { offset, what } = firstJsonError(text);
    const { line, column } = lineAndColumn(text, offset);
    return { problem: `is not valid JSON: ${what} at line ${line}, column ${column}` };
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: [...before.slice(lineStart)].length + 1 };
}

/**
 * Where JSON.parse gave up: a small RFC 8259 scanner, because V8's messages do not always carry a
 * position and sometimes quote the input.
 */
class JsonSyntaxAt extends Error {
  constructor(
    readonly offset: number,
    readonly what: string,
  ) {
    super(what);
  }
}

function firstJsonError(text: string): { offset: number; what: string } {
  let at = 0;
  const fail = (what?: string): never => {
    throw new JsonSyntaxAt(at, what ?? (at >= text.length ? 'unexpected end of input' : 'unexpected character'));
  };
  const space = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at]!)) at++;
  };
  const literal = (word: string) => {
    for (const char of word) {
      if (text[at] !== char) fail();
      at++;
    }
  };
  const string = () => {
    at++; // opening quote
    for (;;) {
      const char = text[at];
      if (char === undefined) fail('unterminated string');
      if (char === '"') return void at++;
      if (char! < ' ') fail('control character in a string');
      if (char === '\\') {
        at++;
        const escape = text[at];
        if (escape === 'u') {
          at++;
          for (let i = 0; i < 4; i++, at++) if (!/[0-9a-fA-F]/.test(text[at] ?? '')) fail('bad \\u escape');
          continue;
        }
        if (escape === undefined || !'"\\/bfnrt'.includes(escape)) fail('bad escape');
      }
      at++;
    }
  };
  const number = () => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(at));
    if (!match) fail();
    at += match![0].length;
  };
  const value = (): void => {
    space();
    const char = text[at];
    if (char === '{') {
      at++;
      space();
      if (text[at] === '}') return void at++;
      for (;;) {
        space();
        if (text[at] !== '"') fail('expected a property name in double quotes');
        string();
        space();
        if (text[at] !== ':') fail("expected ':'");
        at++;
        value();
        space();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at] === '}') return void at++;
        fail("expected ',' or '}'");
      }
    }
    if (char === '[') {
      at++;
      space();
      if (text[at] === ']') return void at++;
      for (;;) {
        value();
        space();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at] === ']') return void at++;
        fail("expected ',' or ']'");
      }
    }
    if (char === '"') return string();
    if (char === 't') return literal('true');
    if (char === 'f') return literal('false');
    if (char === 'n') return literal('null');
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) return number();
    fail();
  };
  try {
    value();
    space();
    if (at < text.length) fail('unexpected text after the JSON value');
  } catch (error) {
    if (error instanceof JsonSyntaxAt) return { offset: error.offset, what: error.what };
    throw error;
  }
  // JSON.parse refused what the scanner accepted (should not happen): point at the end.
  return { offset: text.length, what: 'invalid JSON' };
}
