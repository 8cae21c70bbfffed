/**
 * The slot wait's lead rule (activities/phone-gateway-slots.ts): the lead grows fast when an
 * answer arrives too close to (or after) its first slot and shrinks slowly otherwise, within its
 * bounds. A slow round trip alone must not lengthen it: that is what left holes in the schedule.
 */
import { nextLeadMs } from '../../activities/phone-gateway-slots';

test('an answer that arrived after its first slot doubles the lead (plus the headroom)', () => {
  expect(nextLeadMs(100, -30)).toBe(210);
  expect(nextLeadMs(100, 9)).toBe(210);
});

test('an answer with time to spare shrinks the lead by a tenth, never under 20 ms', () => {
  expect(nextLeadMs(100, 50)).toBe(90);
  expect(nextLeadMs(21, 5_000)).toBe(20);
  let lead = 10_000;
  for (let i = 0; i < 200; i++) lead = nextLeadMs(lead, 1_000);
  expect(lead).toBe(20);
});

test('the lead never passes 10 s however often answers come late', () => {
  let lead = 100;
  for (let i = 0; i < 50; i++) lead = nextLeadMs(lead, -1);
  expect(lead).toBe(10_000);
});
