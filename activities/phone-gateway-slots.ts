/**
 * Waits for an account-wide send slot before a phone gateway call (see
 * contracts/phone-gateway-slots.ts). The calls waiting in this worker share one request to the
 * slot ledger at a time (update-with-start, so the first call starts the ledger): each gets one
 * of the slots, sleeps until it, and asks again if it woke up later than the jitter allowance.
 *
 * While calls keep arriving, each request also reserves slots ahead for the calls it expects over
 * eight round trips (up to 2 s), spaced at this worker's own arrival rate (never closer than the
 * account's spacing), so a call mostly finds its slot without a round trip to the ledger and the
 * schedule does not fall idle while the ledger answers slowly (up to 1.5 s under a burst, when
 * its update waits behind the burst's own workflow tasks). Slots reserved wider apart than the
 * account's spacing need the ledger's grid (workflows/slot-grid.ts), which gives the points in
 * between to other workers; the ledger's earlier single cursor let such a reservation hold the
 * whole schedule for its window (two workers at 20/s fell to 14.8 calls/s), so until the grid
 * only workers near the account's limit reserved. A reserved slot nobody takes passes unused: the
 * account sends less in that moment, never more.
 *
 * The lead (how far past the ledger's clock the first slot lies) covers only the answer's way
 * back from the ledger's workflow task to this worker, not the whole round trip: under load most
 * of a slow round trip is the update waiting for that task, before the ledger reads its clock.
 * A lead of twice the last round trip (the earlier rule) turned each slow round trip into a hole
 * of seconds in the account's schedule: 500 checks at once, 20/s, on a loaded two-core machine,
 * 34.3 s of holes and a mean of 9.8 calls/s, against 1.0 s and 17.9 with this rule (issue 11).
 */
import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { PHONE_GATEWAY_FAILURE } from '../contracts/phone-check-core';
import {
  PHONE_GATEWAY_SLOTS_WORKFLOW_TYPE,
  SLOT_REQUEST_LIMITS,
  phoneGatewaySlotsWorkflowId,
  reserveGatewaySlotUpdate,
  slotSpacingMs,
} from '../contracts/phone-gateway-slots';

export interface GatewaySlotOptions {
  /** The queue the slot ledger workflow runs on (the worker's main queue). */
  ledgerTaskQueue: string;
  /** The gateway's activity queue: one ledger per queue (per gateway account). */
  gatewayTaskQueue: string;
  /** The account's limit, calls per second (PHONE_RATE_PER_SECOND). */
  ratePerSecond: number;
  /** How late a call may leave after its slot, ms (PHONE_RATE_JITTER_MS). */
  jitterMs: number;
  /** The gateway client's own timeout (PROVIDER_TIMEOUT_MS): a call must have that long left in its attempt. */
  callTimeoutMs: number;
  /**
   * How long one request to the ledger may take, ms (default 10 s): past it the calls it was for
   * fail their attempt unbilled (Temporal retries them) and the next request goes out, so a ledger
   * that stopped answering (a failing workflow task) cannot hold this worker's calls for ever.
   */
  ledgerRequestTimeoutMs?: number;
}

/** Default of `GatewaySlotOptions.ledgerRequestTimeoutMs`: far above the slow answers measured under a burst (1.5 s). */
const LEDGER_REQUEST_TIMEOUT_MS = 10_000;

/** Margin (ms) kept between the answer's latest arrival and the attempt's start-to-close timeout. */
const REPORT_MARGIN_MS = 1_000;

/**
 * The lead asked for, ms. It starts at `initial`; when an answer arrives with less than
 * `headroom` ms left before its first slot (or after it), it doubles (plus `headroom`), else it
 * shrinks by a tenth, always within `min`..`max`. A too-short lead costs one more request for the
 * calls whose slot passed (they ask again); a too-long one leaves the schedule idle.
 */
const LEAD_MS = { initial: 100, min: 20, max: 10_000, headroom: 10 } as const;

/** The next lead (ms) after an answer whose first slot lay `headroomMs` after its arrival. */
export function nextLeadMs(leadMs: number, headroomMs: number): number {
  return headroomMs < LEAD_MS.headroom
    ? Math.min(LEAD_MS.max, leadMs * 2 + LEAD_MS.headroom)
    : Math.max(LEAD_MS.min, leadMs * 0.9);
}

/** Bounds of the ahead-reservation (`planSlotRequest`). */
const RESERVE_AHEAD = {
  /** Calls counted for the arrival rate: those of the last this many ms. */
  demandWindowMs: 2_000,
  /** How far ahead the reserved slots reach: eight round trips to the ledger, within these bounds (ms). */
  minHorizonMs: 200,
  maxHorizonMs: 2_000,
  /** Reserve only while calls arrive at this rate or more (per second): a rarer call asks when it comes. */
  minArrivalsPerSecond: 1,
} as const;

export interface SlotRequestPlan {
  /** Slots to ask for: one per waiting call, then those reserved ahead. */
  count: number;
  /** The account's spacing, ms. */
  spacingMs: number;
  /** Time between the reserved slots, ms, when wider than the account's spacing (`SlotRequest.everyMs`). */
  everyMs?: number;
  /** With `everyMs`: the waiting calls' slots, first and at the next free points (`SlotRequest.consecutive`). */
  consecutive?: number;
}

/**
 * What to ask the ledger for next, or nothing (at most the ledger's per-request limit in all):
 * - one slot per waiting call, at the next free points;
 * - while calls of the last `demandWindowMs` arrive at 1 per second or more and the reserved slots
 *   run out within one and a half round trips, also `arrivalsPerSecond × horizon` slots ahead
 *   (horizon: eight round trips, 200 ms to 2 s, so that a slow answer from the ledger, measured at
 *   up to 1.5 s under a burst, does not leave the schedule empty), one per
 *   `1000 / arrivalsPerSecond` ms (never closer than the account's spacing);
 * - nothing when no call waits and no reservation is due.
 * All times in ms; `reservedUntilMs` is the last reserved slot (epoch ms), or undefined.
 */
export function planSlotRequest(input: {
  waiting: number;
  nowMs: number;
  reservedUntilMs: number | undefined;
  arrivalsPerSecond: number;
  roundTripMs: number;
  accountSpacingMs: number;
}): SlotRequestPlan | undefined {
  const { max } = SLOT_REQUEST_LIMITS.count;
  const spacingMs = input.accountSpacingMs;
  const waiting = Math.min(input.waiting, max);
  const reserving =
    input.arrivalsPerSecond >= RESERVE_AHEAD.minArrivalsPerSecond &&
    (input.reservedUntilMs ?? -Infinity) - input.nowMs <= 1.5 * input.roundTripMs;
  if (!reserving) return waiting > 0 ? { count: waiting, spacingMs } : undefined;
  const horizonMs = Math.min(RESERVE_AHEAD.maxHorizonMs, Math.max(RESERVE_AHEAD.minHorizonMs, 8 * input.roundTripMs));
  const ahead = Math.max(1, Math.round((input.arrivalsPerSecond * horizonMs) / 1000));
  const count = Math.min(max, waiting + ahead);
  const everyMs = 1000 / input.arrivalsPerSecond;
  if (everyMs <= spacingMs) return { count, spacingMs };
  return waiting > 0 ? { count, spacingMs, everyMs, consecutive: waiting } : { count, spacingMs, everyMs };
}

export type GatewaySlotWait = () => Promise<{ slotMs: number; slotsGivenUp: number }>;

interface Waiter {
  resolve(slotMs: number): void;
  reject(error: unknown): void;
}

/**
 * A per-worker gate. The returned function resolves when the call may leave (at most
 * `jitterMs` after its slot) and rejects with the ledger request's error, with a retryable
 * `PhoneGatewayRateLimited` when the slot comes too late for the call's answer to arrive before
 * the attempt's start-to-close timeout (a call whose answer the attempt could not report would be
 * made, and billed, again by the retry), or with the activity's cancellation. In every case no
 * gateway call was made, so Temporal's retry is safe. Must be called from inside an activity (it uses the activity's Temporal client).
 */
export function createGatewaySlotWait(options: GatewaySlotOptions): GatewaySlotWait {
  const accountSpacingMs = slotSpacingMs(options.ratePerSecond, options.jitterMs);
  const workflowId = phoneGatewaySlotsWorkflowId(options.gatewayTaskQueue);
  let leadMs: number = LEAD_MS.initial;
  let roundTripMs = LEAD_MS.initial;
  let waiting: Waiter[] = [];
  /** Slots reserved ahead that no call holds yet, ascending (epoch ms). */
  let reserved: number[] = [];
  /** When this worker's recent calls asked for a slot (epoch ms), for the arrival rate. */
  let arrivals: number[] = [];
  let requesting = false;

  /** The earliest reserved slot not yet passed, taken out of the reservation. */
  function takeReserved(nowMs: number): number | undefined {
    const firstAhead = reserved.findIndex((slotMs) => slotMs >= nowMs);
    if (firstAhead < 0) {
      reserved = [];
      return undefined;
    }
    const slotMs = reserved[firstAhead]!;
    reserved = reserved.slice(firstAhead + 1);
    return slotMs;
  }

  /** Hands reserved slots to waiting calls, in arrival order. */
  function serveWaiting(): void {
    while (waiting.length > 0) {
      const slotMs = takeReserved(Date.now());
      if (slotMs === undefined) return;
      waiting.shift()!.resolve(slotMs);
    }
  }

  async function request(client: Client): Promise<void> {
    if (requesting) return;
    const nowMs = Date.now();
    arrivals = arrivals.filter((at) => nowMs - at < RESERVE_AHEAD.demandWindowMs);
    const plan = planSlotRequest({
      waiting: waiting.length,
      nowMs,
      reservedUntilMs: reserved.at(-1),
      arrivalsPerSecond: (arrivals.length * 1000) / RESERVE_AHEAD.demandWindowMs,
      roundTripMs,
      accountSpacingMs,
    });
    if (!plan) return;
    requesting = true;
    const batch = waiting.slice(0, plan.count);
    waiting = waiting.slice(batch.length);
    try {
      const deadline = Date.now() + (options.ledgerRequestTimeoutMs ?? LEDGER_REQUEST_TIMEOUT_MS);
      // The deadline covers every call inside: the start-and-update and the polls for its result.
      const { slotsMs } = await client.connection.withDeadline(deadline, () =>
        client.workflow.executeUpdateWithStart(reserveGatewaySlotUpdate, {
          args: [
            {
              count: plan.count,
              spacingMs: plan.spacingMs,
              leadMs,
              ...(plan.everyMs ? { everyMs: plan.everyMs } : {}),
              ...(plan.consecutive ? { consecutive: plan.consecutive } : {}),
            },
          ],
          startWorkflowOperation: new WithStartWorkflowOperation(PHONE_GATEWAY_SLOTS_WORKFLOW_TYPE, {
            workflowId,
            taskQueue: options.ledgerTaskQueue,
            workflowIdConflictPolicy: 'USE_EXISTING',
            args: [{}],
          }),
        }),
      );
      roundTripMs = Date.now() - nowMs;
      leadMs = nextLeadMs(leadMs, slotsMs[0]! - Date.now());
      batch.forEach((waiter, index) => waiter.resolve(slotsMs[index]!));
      // Slots asked for ahead (none when the request was for waiting calls alone). A reservation
      // is asked for only when the earlier one runs out, but a grid may place its first slots
      // before the last reserved one: keep them sorted.
      reserved.push(...slotsMs.slice(batch.length));
      reserved.sort((a, b) => a - b);
      serveWaiting();
    } catch (error) {
      for (const waiter of batch) waiter.reject(error);
    } finally {
      requesting = false;
      void request(client);
    }
  }

  return async () => {
    const context = Context.current();
    // An attempt shorter than the HTTP timeout (a short workflow timeout caps it) keeps half of
    // itself for the call: requiring the whole HTTP timeout would refuse every slot and never call.
    const attemptMs = context.info.startToCloseTimeoutMs;
    const callBudgetMs = Math.min(options.callTimeoutMs, attemptMs / 2);
    const sendBy = Date.now() + attemptMs - callBudgetMs - Math.min(REPORT_MARGIN_MS, attemptMs / 4);
    for (let slotsGivenUp = 0; ; slotsGivenUp++) {
      arrivals.push(Date.now());
      const reservedSlotMs = waiting.length === 0 ? takeReserved(Date.now()) : undefined;
      const slot =
        reservedSlotMs !== undefined
          ? Promise.resolve(reservedSlotMs)
          : new Promise<number>((resolve, reject) => waiting.push({ resolve, reject }));
      void request(context.client);
      const slotMs = await slot;
      if (slotMs > sendBy) {
        throw ApplicationFailure.create({
          type: PHONE_GATEWAY_FAILURE.rateLimited,
          message: 'no phone gateway send slot within this attempt (account rate limit): no call made',
          category: ApplicationFailureCategory.BENIGN,
        });
      }
      // Timers may fire a millisecond early: never leave before the slot.
      while (Date.now() < slotMs) await context.sleep(Math.max(1, slotMs - Date.now()));
      if (Date.now() - slotMs <= options.jitterMs) return { slotMs, slotsGivenUp };
      // Woke up too late (a busy event loop): leaving now could crowd the next slots' window.
    }
  };
}
