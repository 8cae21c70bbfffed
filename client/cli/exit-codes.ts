/**
 * The CLI's exit codes: one per kind of problem, so a script can tell "fix your input" from
 * "the workflow said no" from "no such approval" from "the server is down".
 */
import { CommanderError } from 'commander';
import { ConfigError } from '../../common/config';
import { InvalidInputError } from '../../contracts/validation';
import { KycClientError } from '../errors';
import { SimulatorControlError } from './dev-commands';
import { InterruptedError } from './signals';

export const EXIT = {
  ok: 0,
  /** Anything unexpected (a bug, an unknown server error). */
  unexpected: 1,
  /** Bad arguments or input: fix the command. */
  invalidInput: 2,
  /** The workflow refused the request, or it already finished. */
  refused: 3,
  notFound: 4,
  /** The configuration is invalid or the Temporal server cannot be reached. */
  connection: 5,
  /** The workflow itself failed (terminated, timed out, failed without a result). */
  flowFailed: 6,
  /**
   * The answer cannot be decoded with this client's payload keys. The message says whether the
   * action (start, update) was carried out: then it must not be repeated, only read with the keys.
   */
  unreadable: 7,
  /**
   * A start succeeded (or attached), but reading the workflow's state or result afterwards failed
   * (`ReadAfterStartError`): it runs; the started line was printed and the message names the
   * command that reads it later. A repeated start only attaches.
   */
  readAfterStart: 8,
  /** Stopped by Ctrl-C (128 + SIGINT). */
  interrupted: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export function exitCodeFor(error: unknown): ExitCode {
  // Help asked for exits 0; help shown because a subcommand was missing, or any usage error, exits 2.
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.invalidInput;
  if (error instanceof InvalidInputError) return EXIT.invalidInput;
  if (error instanceof InterruptedError) return EXIT.interrupted;
  if (error instanceof ConfigError || error instanceof SimulatorControlError) return EXIT.connection;
  if (error instanceof KycClientError) {
    switch (error.kind) {
      case 'refused':
      case 'already-finished':
        return EXIT.refused;
      case 'not-found':
        return EXIT.notFound;
      case 'connection':
        return EXIT.connection;
      case 'failed':
        return EXIT.flowFailed;
      case 'unreadable':
        return EXIT.unreadable;
      case 'read-after-start':
        return EXIT.readAfterStart;
    }
  }
  return EXIT.unexpected;
}

/** What `--json` prints for an error: the class, its kind and its typed fields, no stack. */
export function errorAsJson(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: 'Error', message: String(error) };
  const fields: Record<string, unknown> = { type: error.name, message: error.message };
  if (error instanceof KycClientError) {
    fields.kind = error.kind;
    for (const [key, value] of Object.entries(error)) if (key !== 'kind' && key !== 'name') fields[key] = value;
  }
  if (error instanceof InvalidInputError) fields.issues = error.issues;
  if (error instanceof ConfigError) fields.problems = error.problems;
  return fields;
}
