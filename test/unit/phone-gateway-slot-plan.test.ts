/**
 * What a worker asks the slot ledger for (activities/phone-gateway-slots.ts, planSlotRequest):
 * one slot per waiting call at the next free points; while calls keep arriving, slots reserved
 * ahead for the calls expected, spaced at this worker's own arrival rate (never closer than the
 * account's spacing; the ledger's grid gives the points in between to other workers,
 * workflows/slot-grid.ts).
 */
import { planSlotRequest } from '../../activities/phone-gateway-slots';

// 20 calls/s with the default 50 ms jitter allowance: 52.5 ms apart, 19.05 calls/s at most.
const base = {
  nowMs: 1_000_000,
  reservedUntilMs: undefined,
  arrivalsPerSecond: 19,
  roundTripMs: 50,
  accountSpacingMs: 52.5,
};

test('waiting calls get one slot each at the next free points, and slots ahead follow while calls keep arriving', () => {
  // No calls arriving (nothing to reserve for), or enough reserved: the waiting calls alone.
  expect(planSlotRequest({ ...base, waiting: 3, arrivalsPerSecond: 0 })).toEqual({ count: 3, spacingMs: 52.5 });
  expect(planSlotRequest({ ...base, waiting: 5_000, arrivalsPerSecond: 0 })).toEqual({ count: 1_000, spacingMs: 52.5 });
  expect(planSlotRequest({ ...base, waiting: 1, reservedUntilMs: base.nowMs + 10_000 })).toEqual({
    count: 1,
    spacingMs: 52.5,
  });
  // 19 calls/s: the 3 waiting first, then 8 ahead (400 ms), one every 52.6 ms.
  expect(planSlotRequest({ ...base, waiting: 3 })).toEqual({
    count: 11,
    spacingMs: 52.5,
    everyMs: 1000 / 19,
    consecutive: 3,
  });
  // Never over the ledger's per-request limit.
  expect(planSlotRequest({ ...base, waiting: 5_000 })?.count).toBe(1_000);
});

test('near the account limit with none waiting: eight round trips of expected calls ahead, consecutive', () => {
  // 19 calls/s, horizon 400 ms: 8 slots (7.6 rounded); 1000 / 19 = 52.6 ms apart, one grid point.
  expect(planSlotRequest({ ...base, waiting: 0 })).toEqual({ count: 8, spacingMs: 52.5, everyMs: 1000 / 19 });
  // Faster than the account allows: the account's spacing, no everyMs.
  expect(planSlotRequest({ ...base, waiting: 0, arrivalsPerSecond: 25 })).toEqual({ count: 10, spacingMs: 52.5 });
});

test('below the account limit: reserved at this worker own rate, so other workers get the points in between', () => {
  // Two workers sharing a 20/s account each see about 10 calls/s: every 100 ms.
  expect(planSlotRequest({ ...base, waiting: 0, arrivalsPerSecond: 10 })).toEqual({
    count: 4,
    spacingMs: 52.5,
    everyMs: 100,
  });
  // A 1,000/s account and 40 calls/s: 16 slots 25 ms apart (the account allows one every 1.05 ms).
  expect(planSlotRequest({ ...base, waiting: 0, arrivalsPerSecond: 40, accountSpacingMs: 1.05 })).toEqual({
    count: 16,
    spacingMs: 1.05,
    everyMs: 25,
  });
});

test('no reservation for calls rarer than one a second: such a call asks when it comes', () => {
  expect(planSlotRequest({ ...base, waiting: 0, arrivalsPerSecond: 0 })).toBeUndefined();
  expect(planSlotRequest({ ...base, waiting: 0, arrivalsPerSecond: 0.5 })).toBeUndefined();
  expect(planSlotRequest({ ...base, waiting: 0, arrivalsPerSecond: 1 })?.count).toBe(1);
});

test('the horizon stays within 200 ms and 2 s however fast or slow the ledger answers', () => {
  expect(planSlotRequest({ ...base, waiting: 0, roundTripMs: 1 })?.count).toBe(4); // 200 ms
  expect(planSlotRequest({ ...base, waiting: 0, roundTripMs: 5_000 })?.count).toBe(38); // 2 s
});

test('asks nothing while the reservation lasts over one and a half round trips', () => {
  expect(planSlotRequest({ ...base, waiting: 0, reservedUntilMs: base.nowMs + 76 })).toBeUndefined();
  expect(planSlotRequest({ ...base, waiting: 0, reservedUntilMs: base.nowMs + 74 })?.count).toBe(8);
  // A reservation already passed counts as none.
  expect(planSlotRequest({ ...base, waiting: 0, reservedUntilMs: base.nowMs - 500 })?.count).toBe(8);
});
