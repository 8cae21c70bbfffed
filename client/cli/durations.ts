/** Durations as people type them on a command line: `500ms`, `30s`, `15m`, `2h`, `7d` (common/durations.ts). */
import { InvalidArgumentError } from 'commander';
import { parseDurationMs } from '../../common/durations';

export function parseDuration(text: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined) throw new InvalidArgumentError('expected a duration such as 500ms, 30s, 15m, 2h or 7d');
  if (ms <= 0) throw new InvalidArgumentError('a duration must be positive');
  return ms;
}

/** A whole percentage as typed: `80` or `80%` (the range is checked with the field it fills). */
export function parsePercent(text: string): number {
  const match = /^(\d+)\s*%?$/.exec(text.trim());
  if (!match) throw new InvalidArgumentError('expected a whole percentage such as 80 or 80%');
  return Number(match[1]);
}

export function parseCount(text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new InvalidArgumentError('expected a whole number');
  return Number(text);
}

/** "in 14m 32s" / "3m 5s ago" relative to now, for deadlines and ages. */
export function relative(to: Date | number, now = Date.now()): string {
  const ms = (typeof to === 'number' ? to : to.getTime()) - now;
  const text = compact(Math.abs(ms));
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

export function compact(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}
