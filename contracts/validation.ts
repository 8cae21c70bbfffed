/**
 * One way to turn a zod failure into an error a caller can act on. The client throws
 * `InvalidInputError` in the caller's process; workflows and update validators throw the
 * non-retryable `ApplicationFailure` of type `InvalidInput` so a bad input never retries.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { runChecker, type Checker, type FieldIssue } from './checks';

export const INVALID_INPUT_FAILURE = 'InvalidInput';

export type { FieldIssue } from './checks';

export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: issue.path.length ? issue.path.map(String).join('.') : '(input)',
    message: issue.message,
  }));
}

export function formatIssues(label: string, issues: FieldIssue[]): string {
  return `invalid ${label}: ${issues.map((issue) => `${issue.field} ${issue.message}`).join('; ')}`;
}

export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
  constructor(
    readonly label: string,
    readonly issues: FieldIssue[],
  ) {
    super(formatIssues(label, issues));
  }
}

/** Parses in the caller's process: throws `InvalidInputError` naming every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, label: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new InvalidInputError(label, fieldIssues(result.error));
  return result.data;
}

/** Parses inside a workflow or update validator: throws a non-retryable `ApplicationFailure`. */
export function parseInputOrFail<S extends z.ZodType>(schema: S, value: unknown, label: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = fieldIssues(result.error);
    throw ApplicationFailure.create({
      message: formatIssues(label, issues),
      type: INVALID_INPUT_FAILURE,
      nonRetryable: true,
      details: [issues],
    });
  }
  return result.data;
}

/**
 * Runs a zod-free checker (checks.ts) inside a workflow or update validator: throws the same
 * non-retryable `InvalidInput` failure as `parseInputOrFail`.
 */
export function checkInputOrFail<T>(checker: Checker<T>, value: unknown, label: string): T {
  const result = runChecker(checker, value);
  if (!result.success) {
    throw ApplicationFailure.create({
      message: formatIssues(label, result.issues),
      type: INVALID_INPUT_FAILURE,
      nonRetryable: true,
      details: [result.issues],
    });
  }
  return result.data;
}
