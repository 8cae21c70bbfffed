/**
 * The phone gateway's slot ledger (contracts/phone-gateway-slots.ts): each `reserveGatewaySlot`
 * update gets `count` send times at least `spacingMs` apart from every other slot, the first at
 * least `leadMs` after the ledger's clock. Since the patch `phone-gateway-slot-grid` they are
 * points of a grid (workflows/slot-grid.ts), every `everyMs` for a request that asks so, and
 * other requests fill the points in between; before it, one cursor handed out
 * `max(now + lead, last + spacing)` in sequence (kept for histories recorded before the patch, so
 * a replayed ledger rebuilds the schedule it really handed out). Handlers are synchronous, so
 * updates delivered in one workflow task are served one after the other. The run continues as new
 * after `GRANTS_PER_RUN` updates (history stays bounded, the grid's future points carried over)
 * and ends after an idle hour (nothing waits then; the next call starts a new ledger).
 */
import { condition, continueAsNew, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  SLOT_REQUEST_LIMITS,
  reserveGatewaySlotUpdate,
  type SlotLedgerState,
  type SlotRequest,
} from '../contracts/phone-gateway-slots';
import { grantOnGrid, type SlotGrid } from './slot-grid';

/** Patch id: slots from the grid instead of the single cursor (test/replay/phone-gateway-slots-replay.test.ts). */
export const SLOT_GRID_PATCH = 'phone-gateway-slot-grid';

/** About 5 history events per grant (an update; fewer when updates share a workflow task). */
const GRANTS_PER_RUN = 2_000;
const IDLE_END = '1 hour';

/**
 * How far ahead one request may reach, ms: `leadMs + (count − 1) × max(everyMs, spacingMs)`. Well
 * under the idle hour after which the ledger ends and a new one starts from an empty schedule
 * (slots still ahead then could be handed out twice); the project's workers ask for seconds.
 */
export const MAX_REQUEST_REACH_MS = 10 * 60 * 1000;

/** The update's validator (exported for its unit test): throws naming the field and the bound. */
export function checkSlotRequest(request: SlotRequest): void {
  for (const field of ['count', 'spacingMs', 'leadMs'] as const) {
    const value = request?.[field];
    const { min, max } = SLOT_REQUEST_LIMITS[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
      throw new Error(`${field} must be a number from ${min} to ${max}`);
  }
  if (!Number.isInteger(request.count)) throw new Error('count must be an integer');
  const { everyMs } = request;
  if (
    everyMs !== undefined &&
    (typeof everyMs !== 'number' ||
      !Number.isFinite(everyMs) ||
      everyMs < request.spacingMs ||
      everyMs > SLOT_REQUEST_LIMITS.spacingMs.max)
  )
    throw new Error(`everyMs must be a number from spacingMs to ${SLOT_REQUEST_LIMITS.spacingMs.max}`);
  const { consecutive } = request;
  if (consecutive !== undefined && (!Number.isInteger(consecutive) || consecutive < 0 || consecutive > request.count))
    throw new Error('consecutive must be an integer from 0 to count');
  const reachMs = request.leadMs + (request.count - 1) * Math.max(everyMs ?? request.spacingMs, request.spacingMs);
  if (reachMs > MAX_REQUEST_REACH_MS)
    throw new Error(
      `the slots asked for would reach ${Math.round(reachMs)} ms ahead: leadMs + (count - 1) × everyMs (or spacingMs) must be at most ${MAX_REQUEST_REACH_MS}`,
    );
}

export async function phoneGatewaySlotLedgerWorkflow(state: SlotLedgerState = {}): Promise<void> {
  let lastSlotMs = state.lastSlotMs ?? 0;
  let grid: SlotGrid | undefined = state.grid;
  let granted = 0;
  setHandler(
    reserveGatewaySlotUpdate,
    ({ count, spacingMs, leadMs, everyMs, consecutive }) => {
      if (patched(SLOT_GRID_PATCH)) {
        // Date.now() is the workflow task's time: deterministic on replay.
        const next = grantOnGrid(grid, lastSlotMs, { count, spacingMs, leadMs, everyMs, consecutive }, Date.now());
        grid = next.grid;
        lastSlotMs = Math.max(lastSlotMs, ...next.slotsMs);
        granted += 1;
        return { slotsMs: next.slotsMs };
      }
      const slotsMs: number[] = [];
      for (let i = 0; i < count; i++) {
        // Date.now() is the workflow task's time: deterministic on replay.
        lastSlotMs = Math.max(Date.now() + leadMs, lastSlotMs + spacingMs);
        slotsMs.push(lastSlotMs);
      }
      granted += 1;
      return { slotsMs };
    },
    { validator: checkSlotRequest },
  );
  for (;;) {
    const before = granted;
    const full = await condition(() => granted >= GRANTS_PER_RUN || workflowInfo().continueAsNewSuggested, IDLE_END);
    if (full) break;
    if (granted === before) return; // an idle hour: no slot handed out is still ahead
  }
  await continueAsNew<typeof phoneGatewaySlotLedgerWorkflow>({ lastSlotMs, ...(grid ? { grid } : {}) });
}
