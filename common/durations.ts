/**
 * The one parser of durations as people write them, for environment variables
 * (KYC_SHUTDOWN_GRACE_TIME, common/observability-config.ts) and the `kyc` CLI's flags
 * (client/cli/durations.ts): a number and a unit, `500ms`, `30s`, `2m`, `15min`, `2h`, `7d`,
 * decimals allowed (`1.5s`). A bare number is refused: `30` could mean 30 ms or 30 s, and guessing
 * wrong by a factor of 1000 is the fault this avoids.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** The units, for error messages. */
const UNITS = 'ms, s, m, h or d';

/** Milliseconds (rounded, >= 0), or undefined when `text` is not a number followed by a unit. */
export function parseDurationMs(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)$/.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNIT_MS[match[2]!]!);
}

/**
 * Why `text` is not a duration, for a message after the setting's name: a bare number gets the
 * forms it could have meant (`30` → `30s`, `30ms`).
 */
export function durationProblem(text: string): string {
  const bare = /^\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  return bare
    ? `"${text.trim()}" has no unit: write ${bare[1]}s for seconds or ${bare[1]}ms for milliseconds (a duration is a number and a unit: ${UNITS})`
    : `must be a duration, a number and a unit (${UNITS}), e.g. 500ms, 30s, 2m (got "${text}")`;
}
