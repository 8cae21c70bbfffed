/**
 * What a worker asks the slot ledger for (activities/phone-gateway-slots.ts, planSlotRequest):
 * one slot per waiting call at the account's spacing; with none waiting and calls still coming,
 * slots reserved ahead for them, never closer than the account's spacing; nothing when idle or
 * when enough is reserved.
 */
import { planSlotRequest } from '../../activities/phone-gateway-slots';

const base = {
  nowMs: 1_000_000,
  reservedUntilMs: undefined,
  arrivalsPerSecond: 10,
  roundTripMs: 50,
  accountSpacingMs: 1.05, // 1,000 calls/s with the default 50 ms jitter allowance
};

test('waiting calls get one slot each, at the account spacing, whatever is reserved', () => {
  expect(planSlotRequest({ ...base, waiting: 3 })).toEqual({ count: 3, spacingMs: 1.05 });
  expect(planSlotRequest({ ...base, waiting: 5_000 })).toEqual({ count: 1_000, spacingMs: 1.05 });
  expect(planSlotRequest({ ...base, waiting: 1, reservedUntilMs: base.nowMs + 10_000 })).toEqual({
    count: 1,
    spacingMs: 1.05,
  });
});

test('with none waiting, reserves eight round trips of expected calls, spaced for 1.5 times their rate', () => {
  // 10 calls/s, 400 ms horizon: 4 slots, 1000 / 15 ms apart.
  const plan = planSlotRequest({ ...base, waiting: 0 });
  expect(plan?.count).toBe(4);
  expect(plan?.spacingMs).toBeCloseTo(1000 / 15, 6);
});

test('reserved slots are never closer than the account allows', () => {
  // 20 calls/s expected against an account of 20/s (52.5 ms): the account spacing wins.
  const plan = planSlotRequest({ ...base, waiting: 0, arrivalsPerSecond: 20, accountSpacingMs: 52.5 });
  expect(plan?.spacingMs).toBe(52.5);
});

test('the horizon stays within 200 ms and 1 s however fast or slow the ledger answers', () => {
  expect(planSlotRequest({ ...base, waiting: 0, roundTripMs: 1 })?.count).toBe(2); // 200 ms
  expect(planSlotRequest({ ...base, waiting: 0, roundTripMs: 5_000 })?.count).toBe(10); // 1 s
  expect(planSlotRequest({ ...base, waiting: 0, arrivalsPerSecond: 0.1 })?.count).toBe(1);
});

test('asks nothing when no call came lately, or while the reservation lasts over one and a half round trips', () => {
  expect(planSlotRequest({ ...base, waiting: 0, arrivalsPerSecond: 0 })).toBeUndefined();
  expect(planSlotRequest({ ...base, waiting: 0, reservedUntilMs: base.nowMs + 76 })).toBeUndefined();
  expect(planSlotRequest({ ...base, waiting: 0, reservedUntilMs: base.nowMs + 74 })?.count).toBe(4);
  // A reservation already passed counts as none.
  expect(planSlotRequest({ ...base, waiting: 0, reservedUntilMs: base.nowMs - 500 })?.count).toBe(4);
});
