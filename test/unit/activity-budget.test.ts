/** The schedule-to-close bound of provider activities (contracts/activity-budget.ts). */
import { scheduleToCloseMs } from '../../contracts/activity-budget';

describe('scheduleToCloseMs', () => {
  it('is every attempt at its full timeout plus the longest wait between them', () => {
    // The device approval's defaults: 5 attempts of 30 s, waits up to 30 s.
    expect(scheduleToCloseMs({ maximumAttempts: 5, attemptTimeoutMs: 30_000, maximumIntervalMs: 30_000 })).toBe(
      270_000,
    );
  });

  it('never outlasts the workflow deadline for the call', () => {
    expect(
      scheduleToCloseMs({
        maximumAttempts: 50,
        attemptTimeoutMs: 600_000,
        maximumIntervalMs: 3_600_000,
        deadlineMs: 15 * 60_000,
      }),
    ).toBe(15 * 60_000);
  });

  it('always leaves room for one whole attempt, even past a very short deadline', () => {
    expect(
      scheduleToCloseMs({ maximumAttempts: 5, attemptTimeoutMs: 30_000, maximumIntervalMs: 30_000, deadlineMs: 1_000 }),
    ).toBe(30_000);
  });

  it('is one attempt when only one is allowed', () => {
    expect(scheduleToCloseMs({ maximumAttempts: 1, attemptTimeoutMs: 30_000, maximumIntervalMs: 60_000 })).toBe(30_000);
  });
});
