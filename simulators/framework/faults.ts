/**
 * Fault injection for the provider simulators. A test (or the demo) registers rules at run time
 * through the control API; each rule applies to the next `times` requests of one route.
 */
import { z } from 'zod';

export const faultRuleSchema = z.object({
  /** `METHOD /registered/:pattern`, exactly as the route was registered, or `*` for every route. */
  route: z.string().min(1),
  kind: z.enum(['status', 'delay', 'malformed', 'rateLimit', 'busy', 'drop']),
  /** How many matching requests the rule applies to. */
  times: z.number().int().positive().default(1),
  /** `status`: the HTTP status and JSON body to answer with instead of the real answer. */
  status: z.number().int().min(100).max(599).optional(),
  body: z.unknown().optional(),
  /** `delay`: how long to hold the request before handling it normally (the effect still happens). */
  delayMs: z.number().int().nonnegative().optional(),
  /** `rateLimit`: the Retry-After header of the 429 answer. */
  retryAfterSeconds: z.number().int().nonnegative().optional(),
});

export type FaultRule = z.output<typeof faultRuleSchema>;
export type FaultRuleInput = z.input<typeof faultRuleSchema>;
export type FaultKind = FaultRule['kind'];

interface ActiveRule {
  rule: FaultRule;
  remaining: number;
}

export class FaultTable {
  private rules: ActiveRule[] = [];

  add(rule: FaultRule): void {
    this.rules.push({ rule, remaining: rule.times });
  }

  clear(): void {
    this.rules = [];
  }

  /** Takes one application of the first rule for this route, of one of the given kinds. */
  take(route: string, kinds: readonly FaultKind[]): FaultRule | undefined {
    const active = this.rules.find(
      (candidate) =>
        (candidate.rule.route === route || candidate.rule.route === '*') && kinds.includes(candidate.rule.kind),
    );
    if (!active) return undefined;
    active.remaining -= 1;
    if (active.remaining <= 0) this.rules = this.rules.filter((candidate) => candidate !== active);
    return active.rule;
  }

  pending(): FaultRule[] {
    return this.rules.map((active) => ({ ...active.rule, times: active.remaining }));
  }
}
