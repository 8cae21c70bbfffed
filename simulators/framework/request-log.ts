/**
 * Every provider request a simulator answered (or dropped), as the provider saw it: when, which
 * registered route, its path parameters, the status code, the fault applied to it and whatever the
 * route added with `annotate` (the phone gateway: a non-reversible subject and the Result code).
 * Read in-process (`RequestLog.entries`) or over `GET /__control/requests`; the fault-injection
 * run (chaos/) checks its invariants against it. Never raw personal data: path parameters here
 * are account, device and flow keys, and routes annotate only hashes and codes.
 */
import { createHash } from 'node:crypto';
import type { FaultKind } from './faults';

export interface RequestLogEntry {
  /** Position in the log, from 1. */
  seq: number;
  /** Epoch milliseconds when the request arrived. */
  at: number;
  /** Epoch milliseconds when the answer was sent, or when the connection was dropped. */
  doneAt: number;
  /** The registered route, `METHOD /pattern` (as fault rules and counters name it). */
  route: string;
  params: Record<string, string>;
  /** HTTP status of the answer; 0 when the connection was dropped without one. */
  status: number;
  /** The injected fault that shaped this answer, if any (`delay`: the answer came late but is real). */
  fault?: FaultKind;
  /** Route-specific facts without personal data (e.g. `subject`, `result`). */
  notes?: Record<string, string | number>;
}

/** A short, non-reversible stand-in for a personal value (first 16 hex digits of its SHA-256). */
export function subjectOf(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 16);
}

export class RequestLog {
  readonly entries: RequestLogEntry[] = [];

  add(entry: Omit<RequestLogEntry, 'seq'>): void {
    this.entries.push({ seq: this.entries.length + 1, ...entry });
  }

  /** Entries after `seq` (all when omitted). */
  since(seq = 0): RequestLogEntry[] {
    return this.entries.slice(seq);
  }

  clear(): void {
    this.entries.length = 0;
  }
}
