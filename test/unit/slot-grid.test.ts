/**
 * The slot ledger's grid (workflows/slot-grid.ts): every slot at least one account spacing from
 * every other whoever asked, so at most `rate` in any sliding second; a reservation spaced at a
 * worker's own rate leaves the points between its slots to others.
 */
import { grantOnGrid, type SlotGrid } from '../../workflows/slot-grid';

const spacingMs = 52.5; // 20 calls/s, 50 ms jitter allowance
const nowMs = 1_764_000_000_000; // a multiple of 52.5: point k lies at k × 52.5

function gaps(slots: number[]): number[] {
  const sorted = [...slots].sort((a, b) => a - b);
  return sorted.slice(1).map((slot, i) => slot - sorted[i]!);
}

test('consecutive slots from the first point at least the lead after now', () => {
  const { slotsMs } = grantOnGrid(undefined, 0, { count: 3, spacingMs, leadMs: 100 }, nowMs);
  expect(slotsMs).toEqual([nowMs + 105, nowMs + 157.5, nowMs + 210]);
});

test('a reservation at a slower rate takes every m-th point and others fill the rest', () => {
  const first = grantOnGrid(undefined, 0, { count: 4, spacingMs, leadMs: 0, everyMs: 100 }, nowMs);
  // 100 ms rounds to two points (105 ms).
  expect(gaps(first.slotsMs)).toEqual([105, 105, 105]);
  const second = grantOnGrid(first.grid, Math.max(...first.slotsMs), { count: 4, spacingMs, leadMs: 0 }, nowMs);
  // The other worker's waiting calls get the points in between, not slots after the reservation's end.
  expect(second.slotsMs).toEqual([nowMs + 52.5, nowMs + 157.5, nowMs + 262.5, nowMs + 367.5]);
  const all = [...first.slotsMs, ...second.slotsMs];
  expect(new Set(all).size).toBe(8);
  expect(Math.min(...gaps(all))).toBeGreaterThanOrEqual(spacingMs);
});

test('the waiting calls first at the next free points, then the reservation every m-th point', () => {
  const { slotsMs } = grantOnGrid(
    undefined,
    0,
    { count: 4, spacingMs, leadMs: 0, everyMs: 105, consecutive: 2 },
    nowMs,
  );
  expect(slotsMs).toEqual([nowMs, nowMs + 52.5, nowMs + 157.5, nowMs + 262.5]);
});

test('never more than the rate in a sliding second, whatever mix of requests', () => {
  let grid: SlotGrid | undefined;
  let last = 0;
  const slots: number[] = [];
  let t = nowMs;
  for (let i = 0; i < 200; i++) {
    const request = {
      count: 1 + (i % 5),
      spacingMs,
      leadMs: (i * 37) % 120,
      everyMs: i % 3 === 0 ? 52.5 * (1 + (i % 4)) : undefined,
      consecutive: i % 2,
    };
    const granted = grantOnGrid(grid, last, request, t);
    grid = granted.grid;
    last = Math.max(last, ...granted.slotsMs);
    slots.push(...granted.slotsMs);
    t += (i * 13) % 70;
  }
  expect(new Set(slots).size).toBe(slots.length);
  expect(Math.min(...gaps(slots))).toBeGreaterThanOrEqual(spacingMs - 1e-6);
  const sorted = [...slots].sort((a, b) => a - b);
  // Any 21 consecutive slots span more than a second, with room for the 50 ms jitter allowance.
  for (let i = 20; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 20]!).toBeGreaterThanOrEqual(1050 - 1e-6);
});

test('the first grid starts after the cursor schedule it replaces, and a new spacing starts a new grid', () => {
  // A ledger whose cursor handed out a slot 2 s ahead: nothing before that slot plus a spacing.
  const lastCursorSlot = nowMs + 2_000.3;
  const first = grantOnGrid(undefined, lastCursorSlot, { count: 1, spacingMs, leadMs: 0 }, nowMs);
  expect(first.slotsMs[0]).toBeGreaterThanOrEqual(lastCursorSlot + spacingMs);
  // PHONE_RATE_PER_SECOND raised to 40: 26.25 ms apart, after every slot of the old grid.
  const raised = grantOnGrid(first.grid, first.slotsMs[0]!, { count: 2, spacingMs: 26.25, leadMs: 0 }, nowMs);
  expect(raised.grid.gridMs).toBe(26.25);
  expect(raised.slotsMs[0]).toBeGreaterThanOrEqual(first.slotsMs[0]! + 26.25);
});

test('points already passed are dropped from the grid', () => {
  const early = grantOnGrid(undefined, 0, { count: 5, spacingMs, leadMs: 0 }, nowMs);
  const later = grantOnGrid(early.grid, Math.max(...early.slotsMs), { count: 1, spacingMs, leadMs: 0 }, nowMs + 10_000);
  expect(later.grid.taken).toEqual([Math.ceil((nowMs + 10_000) / spacingMs)]);
});

test('a spacing that is no whole number of ms keeps every gap at epoch magnitudes', () => {
  // PHONE_RATE_PER_SECOND=13 with the default jitter: 1050 / 13 = 80.769... ms.
  const oddSpacing = 1050 / 13;
  let grid: SlotGrid | undefined;
  let last = 0;
  const slots: number[] = [];
  for (let i = 0; i < 100; i++) {
    const granted = grantOnGrid(grid, last, { count: 3, spacingMs: oddSpacing, leadMs: 20 }, nowMs + 7 * i + 0.5);
    grid = granted.grid;
    last = Math.max(last, ...granted.slotsMs);
    slots.push(...granted.slotsMs);
  }
  expect(Math.min(...gaps(slots))).toBeGreaterThanOrEqual(oddSpacing);
});
