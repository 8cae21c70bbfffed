/**
 * The slot ledger's schedule as a grid (workflows/phone-gateway-slots.ts, from its patch
 * `phone-gateway-slot-grid` on). Send times are whole multiples of the account's spacing
 * `gridMs` (`(1000 + jitter) / rate`, contracts/phone-gateway-slots.ts) and each grid point goes
 * to one call at most, so any two slots are at least `gridMs` apart whoever asked for them: the
 * same bound as the single cursor before it, at most `rate` calls in any sliding second.
 *
 * What the grid adds: a request may take every m-th free point (`everyMs`), after its first
 * `consecutive` slots (for the calls already waiting) at the next free points. A worker reserving
 * slots ahead at its own, slower rate then leaves the points in between to the other workers,
 * where the cursor handed out slots in one increasing sequence, so a widely spaced reservation
 * held the whole schedule for its window (two workers sharing a 20/s account fell to 14.8
 * calls/s, issue 11). Pure and deterministic: the ledger workflow calls it with its task's time.
 */

export interface SlotGrid {
  /** Spacing of the grid, ms: the requests' `spacingMs` rounded up to a whole number of 1/1024 ms. */
  gridMs: number;
  /** Grid points handed out and not yet passed, ascending; point k lies at k × gridMs (epoch ms). */
  taken: number[];
  /** No slot earlier than this (epoch ms): the end of the schedule the grid replaced, plus a spacing. */
  notBeforeMs: number;
}

export interface GridRequest {
  /** How many slots. */
  count: number;
  /** The account's spacing, ms (the grid's spacing; another spacing starts a new grid). */
  spacingMs: number;
  /** The first slot lies at least this far after `nowMs`, ms. */
  leadMs: number;
  /** Time between this request's own slots, ms, at least `spacingMs` (rounded to whole grid points); default `spacingMs`. */
  everyMs?: number;
  /** How many of the slots come first at the next free points, whatever `everyMs` says (calls waiting now); default 0. */
  consecutive?: number;
}

/**
 * The slots for `request` at the ledger's time `nowMs` (epoch ms), ascending, and the grid after
 * them. `lastSlotMs` is the latest slot the ledger has handed out under any schedule: when there
 * is no grid yet, or the request's spacing differs from the grid's (a changed
 * PHONE_RATE_PER_SECOND or PHONE_RATE_JITTER_MS), a new grid starts one spacing after it, so slots
 * of the old schedule still held by workers are never crowded by the new one.
 */
export function grantOnGrid(
  grid: SlotGrid | undefined,
  lastSlotMs: number,
  request: GridRequest,
  nowMs: number,
): { grid: SlotGrid; slotsMs: number[] } {
  // A whole number of 1/1024 ms, rounded up: k × gridMs is then exact at epoch magnitudes, where
  // a spacing like 1050 / 13 ms left neighbouring points up to 0.0002 ms closer than the spacing.
  const gridMs = Math.ceil(request.spacingMs * 1024) / 1024;
  const current: SlotGrid =
    grid && grid.gridMs === gridMs ? grid : { gridMs, taken: [], notBeforeMs: lastSlotMs + gridMs };
  // Points already passed cannot collide with new ones (those lie after nowMs + leadMs).
  const taken = new Set(current.taken.filter((point) => point * gridMs >= nowMs));
  const step = Math.max(1, Math.round((request.everyMs ?? gridMs) / gridMs));
  let point = Math.max(Math.ceil((nowMs + request.leadMs) / gridMs), Math.ceil(current.notBeforeMs / gridMs));
  const points: number[] = [];
  const consecutive = request.consecutive ?? 0;
  for (let i = 0; i < request.count; i++) {
    while (taken.has(point)) point++;
    taken.add(point);
    points.push(point);
    point += i + 1 < consecutive ? 1 : step;
  }
  return {
    grid: { gridMs, taken: [...taken].sort((a, b) => a - b), notBeforeMs: current.notBeforeMs },
    slotsMs: points.map((k) => k * gridMs),
  };
}
