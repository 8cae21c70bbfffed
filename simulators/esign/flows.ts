/** The simulator's flows: created by the start endpoints or the control API, progressed by tests. */
import { randomInt, randomUUID } from 'node:crypto';

export type SimFlowStatus = 'INIT' | 'ING' | 'SUCCESS' | 'FAIL';

export interface SimSubFlow {
  subFlowId: string;
  subFlowType: string;
  status: string;
}

export interface SimRelatedFlow {
  flowId: string;
  flowStatus: string;
  objectType: string;
  contextId: string;
  failReason: string | null;
  subFlows: SimSubFlow[];
}

export interface SimFlow {
  flowId: string;
  objectType: 'INDIVIDUAL' | 'ORGANIZATION';
  contextId: string;
  accountId: string;
  notifyUrl: string | null;
  flowStatus: SimFlowStatus;
  failReason: string | null;
  failReasonCode: string;
  createTime: number;
  modifyTime: number;
  subFlows: SimSubFlow[];
  relatedFlows: SimRelatedFlow[];
  /** When set, outline/detail answer this business code instead of the flow (expired, deleted). */
  goneCode: number | null;
  authUrl: string;
  shortLink: string;
}

/** Codes the simulator answers; the same numbers the client's error table reads. */
export const SIM_CODES = {
  notFound: 30500004,
  notFoundPage: 30500001,
  ended: 30500002,
  expired: 30500003,
  attemptLimit: 30500052,
} as const;

export function newFlowId(): string {
  // Eighteen digits, like the platform's ids.
  return `8${Array.from({ length: 17 }, () => randomInt(10)).join('')}`;
}

export class FlowStore {
  private readonly flows = new Map<string, SimFlow>();

  constructor(private readonly publicUrl: () => string) {}

  create(options: { objectType: SimFlow['objectType']; contextId?: string; notifyUrl?: string | null }): SimFlow {
    const flowId = newFlowId();
    const now = Date.now();
    const flow: SimFlow = {
      flowId,
      objectType: options.objectType,
      contextId: options.contextId ?? randomUUID(),
      accountId: randomUUID().replace(/-/g, ''),
      notifyUrl: options.notifyUrl ?? null,
      flowStatus: 'INIT',
      failReason: null,
      failReasonCode: '',
      createTime: now,
      modifyTime: now,
      subFlows: [],
      relatedFlows: [],
      goneCode: null,
      authUrl: `${this.publicUrl()}/web/identity/auth/${flowId}`,
      shortLink: `${this.publicUrl()}/s/${flowId.slice(-8)}`,
    };
    this.flows.set(flowId, flow);
    return flow;
  }

  get(flowId: string): SimFlow | undefined {
    return this.flows.get(flowId);
  }

  all(): SimFlow[] {
    return [...this.flows.values()];
  }

  clear(): void {
    this.flows.clear();
  }

  /** Every flow as plain JSON (see PersistentState). */
  snapshot(): unknown {
    return this.all();
  }

  restore(saved: unknown): void {
    this.flows.clear();
    for (const flow of (saved as SimFlow[] | undefined) ?? []) this.flows.set(flow.flowId, flow);
  }

  /** The outline as the platform sends it, with a field we do not know to keep clients lenient. */
  outline(flow: SimFlow): Record<string, unknown> {
    return {
      flowId: flow.flowId,
      flowStatus: flow.flowStatus,
      objectType: flow.objectType,
      failReason: flow.failReason,
      createTime: flow.createTime,
      modifyTime: flow.modifyTime,
      contextId: flow.contextId,
      subFlows: flow.subFlows,
      relatedFlows: flow.relatedFlows,
      bizExtension: { channel: 'simulator' },
    };
  }

  detail(flow: SimFlow): Record<string, unknown> {
    return {
      ...this.outline(flow),
      authUrl: flow.authUrl,
      accountId: flow.accountId,
      subFlowDetails: flow.subFlows.map((subFlow) => ({ ...subFlow, startTime: flow.createTime })),
    };
  }
}
