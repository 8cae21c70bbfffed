/** A typed HTTP client of a simulator's control API, for tests, benchmarks and the demo. */
import { CONTROL_PREFIX } from './simulator';
import type { FaultRuleInput } from './faults';
import type { RequestLogEntry } from './request-log';

export interface SimulatorStats {
  counters: Record<string, number>;
  pendingFaults: unknown[];
}

export class SimulatorControl {
  constructor(readonly baseUrl: string) {}

  async injectFault(rule: FaultRuleInput): Promise<void> {
    await this.request('POST', '/faults', rule);
  }

  async clearFaults(): Promise<void> {
    await this.request('DELETE', '/faults');
  }

  async reset(): Promise<void> {
    await this.request('POST', '/reset');
  }

  async stats(): Promise<SimulatorStats> {
    return (await this.request('GET', '/stats')) as SimulatorStats;
  }

  /** The provider requests this simulator answered or dropped, after entry `since` (see request-log.ts). */
  async requests(since = 0): Promise<RequestLogEntry[]> {
    return ((await this.request('GET', `/requests?since=${since}`)) as { requests: RequestLogEntry[] }).requests;
  }

  /** A named counter, 0 when never counted. Route counters are named `calls:METHOD /pattern`. */
  async counter(name: string): Promise<number> {
    return (await this.stats()).counters[name] ?? 0;
  }

  /** Any simulator-specific control route, e.g. `GET /tokens/<device>`. */
  async request(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.baseUrl}${CONTROL_PREFIX}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok)
      throw new Error(`simulator control ${method} ${path} answered ${response.status}: ${await response.text()}`);
    const text = await response.text();
    return text ? (JSON.parse(text) as unknown) : undefined;
  }
}
