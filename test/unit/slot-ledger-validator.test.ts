/**
 * The slot ledger's update validator (workflows/phone-gateway-slots.ts, checkSlotRequest): a
 * request it lets through is served, so every bound that keeps the account's schedule sound is
 * checked here, each refusal naming the field.
 */
import { MAX_REQUEST_REACH_MS, checkSlotRequest } from '../../workflows/phone-gateway-slots';

const ok = { count: 10, spacingMs: 52.5, leadMs: 100 };

test('a worker-shaped request passes, with or without everyMs and consecutive', () => {
  expect(() => checkSlotRequest(ok)).not.toThrow();
  expect(() => checkSlotRequest({ ...ok, everyMs: 105, consecutive: 3 })).not.toThrow();
  expect(() => checkSlotRequest({ ...ok, consecutive: 10 })).not.toThrow();
});

test.each([
  [{ ...ok, count: 0 }, /^count must be a number from 1 to 1000/],
  [{ ...ok, count: 2.5 }, /^count must be an integer/],
  [{ ...ok, spacingMs: Number.NaN }, /^spacingMs must be a number/],
  [{ ...ok, leadMs: Number.POSITIVE_INFINITY }, /^leadMs must be a number/],
  [{ ...ok, everyMs: 50 }, /^everyMs must be a number from spacingMs/],
  [{ ...ok, everyMs: Number.NaN }, /^everyMs must be a number from spacingMs/],
  [{ ...ok, consecutive: 11 }, /^consecutive must be an integer from 0 to count/],
  [{ ...ok, consecutive: -1 }, /^consecutive must be an integer from 0 to count/],
  [{ ...ok, consecutive: 1.5 }, /^consecutive must be an integer from 0 to count/],
])('refuses %j', (request, message) => {
  expect(() => checkSlotRequest(request)).toThrow(message);
});

test('refuses a request reaching further ahead than the bound (the idle end could then hand its slots out again)', () => {
  // 1,000 slots a minute apart would reach 16.7 hours ahead.
  expect(() => checkSlotRequest({ count: 1000, spacingMs: 52.5, leadMs: 0, everyMs: 60_000 })).toThrow(
    /would reach 59940000 ms ahead/,
  );
  const justInside = { count: 11, spacingMs: 52.5, leadMs: 0, everyMs: MAX_REQUEST_REACH_MS / 10 };
  expect(() => checkSlotRequest(justInside)).not.toThrow();
  expect(() => checkSlotRequest({ ...justInside, leadMs: 1 })).toThrow(/must be at most 600000/);
});
