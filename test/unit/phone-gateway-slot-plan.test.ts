/**
 * What a worker asks the slot ledger for (activities/phone-gateway-slots.ts, planSlotRequest):
 * one slot per waiting call; with none waiting, slots reserved ahead only while this worker's
 * calls keep the account near its limit; always at the account's spacing (wider reserved slots
 * held the ledger's one cursor and capped two workers at 1.5 times one worker's rate).
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

test('waiting calls get one slot each, whatever is reserved', () => {
  expect(planSlotRequest({ ...base, waiting: 3 })).toEqual({ count: 3, spacingMs: 52.5 });
  expect(planSlotRequest({ ...base, waiting: 5_000 })).toEqual({ count: 1_000, spacingMs: 52.5 });
  expect(planSlotRequest({ ...base, waiting: 1, reservedUntilMs: base.nowMs + 10_000 })).toEqual({
    count: 1,
    spacingMs: 52.5,
  });
});

test('near the account limit with none waiting: eight round trips of expected calls ahead, at the account spacing', () => {
  // 19 calls/s, horizon 400 ms: 8 slots (7.6 rounded).
  expect(planSlotRequest({ ...base, waiting: 0 })).toEqual({ count: 8, spacingMs: 52.5 });
});

test('no reservation while this worker sends under two thirds of the account rate (another worker may need the rest)', () => {
  // Two workers sharing a 20/s account each see about 10 calls/s.
  expect(planSlotRequest({ ...base, waiting: 0, arrivalsPerSecond: 10 })).toBeUndefined();
  expect(planSlotRequest({ ...base, waiting: 0, arrivalsPerSecond: 0 })).toBeUndefined();
  // A 1,000/s account and 40 calls/s: nothing reserved either.
  expect(planSlotRequest({ ...base, waiting: 0, arrivalsPerSecond: 40, accountSpacingMs: 1.05 })).toBeUndefined();
  expect(planSlotRequest({ ...base, waiting: 0, arrivalsPerSecond: 12.7 })?.spacingMs).toBe(52.5);
});

test('the horizon stays within 200 ms and 1 s however fast or slow the ledger answers', () => {
  expect(planSlotRequest({ ...base, waiting: 0, roundTripMs: 1 })?.count).toBe(4); // 200 ms
  expect(planSlotRequest({ ...base, waiting: 0, roundTripMs: 5_000 })?.count).toBe(19); // 1 s
});

test('asks nothing while the reservation lasts over one and a half round trips', () => {
  expect(planSlotRequest({ ...base, waiting: 0, reservedUntilMs: base.nowMs + 76 })).toBeUndefined();
  expect(planSlotRequest({ ...base, waiting: 0, reservedUntilMs: base.nowMs + 74 })?.count).toBe(8);
  // A reservation already passed counts as none.
  expect(planSlotRequest({ ...base, waiting: 0, reservedUntilMs: base.nowMs - 500 })?.count).toBe(8);
});
