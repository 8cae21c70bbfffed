/**
 * When calls reached the phone gateway simulator, and what a rate limit says about them: the
 * most calls in any sliding window and the mean rate. Used by the rate test and the benchmark.
 */
import type { SimulatorControl } from '../framework/control-client';

/** Arrival times (epoch ms, system clock) of verification calls since the last reset, in order. */
export async function gatewayCallTimes(control: SimulatorControl): Promise<number[]> {
  const { times } = (await control.request('GET', '/call-times')) as { times: number[] };
  return times;
}

/**
 * The most calls whose arrival times lie within any half-open window `[t, t + windowMs)`, over
 * every t (a sliding window, not aligned seconds). `times` need not be sorted.
 */
export function peakInSlidingWindow(times: readonly number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let first = 0, last = 0; last < sorted.length; last++) {
    while (sorted[last]! - sorted[first]! >= windowMs) first++;
    peak = Math.max(peak, last - first + 1);
  }
  return peak;
}

/** Mean calls per second from the first call to the last (NaN for fewer than two calls). */
export function meanRatePerSecond(times: readonly number[]): number {
  if (times.length < 2) return NaN;
  const sorted = [...times].sort((a, b) => a - b);
  return ((sorted.length - 1) * 1000) / (sorted.at(-1)! - sorted[0]!);
}
