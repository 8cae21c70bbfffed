/**
 * The phone gateway's slot ledger (contracts/phone-gateway-slots.ts): each `reserveGatewaySlot`
 * update gets the next `count` send times, each `max(now + lead, last + spacing)`. Handlers are synchronous, so
 * updates delivered in one workflow task get consecutive slots. The run continues as new after
 * `GRANTS_PER_RUN` updates (history stays bounded) and ends after an idle hour (nothing waits
 * then; the next call starts a new ledger).
 */
import { condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  SLOT_REQUEST_LIMITS,
  reserveGatewaySlotUpdate,
  type SlotLedgerState,
  type SlotRequest,
} from '../contracts/phone-gateway-slots';

/** About 5 history events per grant (an update; fewer when updates share a workflow task). */
const GRANTS_PER_RUN = 2_000;
const IDLE_END = '1 hour';

function checkSlotRequest(request: SlotRequest): void {
  for (const field of ['count', 'spacingMs', 'leadMs'] as const) {
    const value = request?.[field];
    const { min, max } = SLOT_REQUEST_LIMITS[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
      throw new Error(`${field} must be a number from ${min} to ${max}`);
  }
  if (!Number.isInteger(request.count)) throw new Error('count must be an integer');
}

export async function phoneGatewaySlotLedgerWorkflow(state: SlotLedgerState = {}): Promise<void> {
  let lastSlotMs = state.lastSlotMs ?? 0;
  let granted = 0;
  setHandler(
    reserveGatewaySlotUpdate,
    ({ count, spacingMs, leadMs }) => {
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
  await continueAsNew<typeof phoneGatewaySlotLedgerWorkflow>({ lastSlotMs });
}
