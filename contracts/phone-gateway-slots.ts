/**
 * The phone gateway's account-wide send schedule: one small workflow per gateway task queue (the
 * "slot ledger") hands out send times spaced so that no sliding one-second window holds more
 * than `PHONE_RATE_PER_SECOND` calls, whichever worker process makes them. Zod-free: the
 * workflow bundle imports it.
 *
 * Why not Temporal's task-queue rate limit alone: it limits when tasks are dispatched, per
 * partition and with a burst, so the calls' arrival at the gateway was measured at peaks of
 * 24–28 in one second for a limit of 20 (issue 11). The queue limit stays (it keeps the backlog
 * in the server); the ledger decides when each call may go out. Source of the limit: the phone
 * gateway page, "20 requests per second per account" (/work/shared/providers/README.md §3).
 */
import { defineUpdate } from '@temporalio/workflow';

export const PHONE_GATEWAY_SLOTS_WORKFLOW_TYPE = 'phoneGatewaySlotLedgerWorkflow';

/** One ledger per gateway task queue (one queue per gateway account). No personal data. */
export const phoneGatewaySlotsWorkflowId = (gatewayTaskQueue: string): string =>
  `phone-gateway-slots/${gatewayTaskQueue}`;

/**
 * Spacing (ms) between slots for `ratePerSecond` when a call may leave up to `jitterMs` after its
 * slot (PHONE_RATE_JITTER_MS; a call that would leave later gives its slot up and asks for
 * another): `(1000 + jitterMs) / rate`, so that calls leaving up to that late still fit `rate` in
 * any one-second window. At 20/s with the default 50 ms: 52.5 ms, at most 19.05 calls per second.
 * What reaches the gateway also carries the host's scheduling delay after the decision to send:
 * on a busy host, raise the jitter allowance (it lowers the mean rate).
 */
export function slotSpacingMs(ratePerSecond: number, jitterMs: number): number {
  return (1000 + jitterMs) / ratePerSecond;
}

export interface SlotRequest {
  /**
   * How many consecutive slots (one per call waiting in the asking worker). Each worker has at
   * most one request in flight: the server allows only a few in-flight updates per workflow
   * (`history.maxInFlightUpdates`, 10 by default).
   */
  count: number;
  /** Minimum time between two slots, ms (`slotSpacingMs`). */
  spacingMs: number;
  /** How far ahead of the ledger's clock the slot must lie, ms: the asker's round trip, so it gets the answer in time. */
  leadMs: number;
  /**
   * Time between this request's own slots, ms (at least `spacingMs`; default `spacingMs`): a worker
   * reserving slots ahead at its own rate, below the account's, leaves the grid points in between
   * to other workers (workflows/slot-grid.ts). A ledger older than the grid ignores it and hands
   * out consecutive slots: fewer of them used, never more calls than the rate.
   */
  everyMs?: number;
  /**
   * How many of the slots (the calls waiting in the asking worker now) take the next free grid
   * points before the rest follow every `everyMs`; default 0. Ignored by a ledger older than the
   * grid, like `everyMs`.
   */
  consecutive?: number;
}

export interface SlotGrant {
  /** When each call may leave, in order: epoch milliseconds (the ledger's workflow clock). */
  slotsMs: number[];
}

export interface SlotLedgerState {
  /** The last slot handed out by the previous run (continue-as-new), epoch ms. */
  lastSlotMs?: number;
  /** The previous run's grid with its points still ahead (workflows/slot-grid.ts). */
  grid?: { gridMs: number; taken: number[]; notBeforeMs: number };
}

/** Bounds of a request (ms); the ledger refuses others. */
export const SLOT_REQUEST_LIMITS = {
  count: { min: 1, max: 1_000 },
  spacingMs: { min: 1, max: 60_000 },
  leadMs: { min: 0, max: 60_000 },
} as const;

export const reserveGatewaySlotUpdate = defineUpdate<SlotGrant, [SlotRequest]>('reserveGatewaySlot');
