/** A typed client of the e-signature simulator's control routes, for tests, the benchmark and the demo. */
import type { SimulatorControl } from '../framework/control-client';
import type { CallbackDelivery, CallbackTamper } from './callbacks';

const PREFIX = '/esign';

export interface SubFlowChange {
  subFlowId?: string;
  subFlowType: string;
  status?: string;
}

export interface FlowChange {
  flowStatus?: 'INIT' | 'ING' | 'SUCCESS' | 'FAIL';
  failReason?: string | null;
  failReasonCode?: string;
  subFlows?: SubFlowChange[];
  addSubFlows?: SubFlowChange[];
  /** Sub-flow id -> new status. */
  subFlowStatus?: Record<string, string>;
  relatedFlows?: Array<{
    flowId: string;
    flowStatus: string;
    objectType?: string;
    failReason?: string | null;
    subFlows?: SubFlowChange[];
  }>;
  /** Send the end-of-flow callback on reaching SUCCESS/FAIL (default true). */
  callback?: boolean;
}

export class EsignControl {
  constructor(readonly control: SimulatorControl) {}

  async createFlow(
    options: { objectType?: 'INDIVIDUAL' | 'ORGANIZATION'; contextId?: string; notifyUrl?: string } = {},
  ) {
    return (await this.control.request('POST', `${PREFIX}/flows`, options)) as {
      flowId: string;
      url: string;
      shortLink: string;
    };
  }

  async progress(flowId: string, change: FlowChange) {
    return (await this.control.request('POST', `${PREFIX}/flows/${flowId}/progress`, change)) as {
      flow: Record<string, unknown>;
      deliveries: CallbackDelivery[];
    };
  }

  async expire(flowId: string): Promise<void> {
    await this.control.request('POST', `${PREFIX}/flows/${flowId}/expire`);
  }

  /** Makes the outline answer this business code (default 30500004, not found). */
  async gone(flowId: string, code?: number): Promise<void> {
    await this.control.request('POST', `${PREFIX}/flows/${flowId}/gone`, code === undefined ? {} : { code });
  }

  async remove(flowId: string): Promise<void> {
    await this.control.request('DELETE', `${PREFIX}/flows/${flowId}`);
  }

  async sendCallbacks(flowId: string, options: { times?: number; tamper?: CallbackTamper; url?: string } = {}) {
    return (
      (await this.control.request('POST', `${PREFIX}/flows/${flowId}/callbacks`, options)) as {
        deliveries: CallbackDelivery[];
      }
    ).deliveries;
  }

  async deliveries(): Promise<CallbackDelivery[]> {
    return ((await this.control.request('GET', `${PREFIX}/callbacks`)) as { deliveries: CallbackDelivery[] })
      .deliveries;
  }

  /** How many times the outline of this flow was read. */
  outlineReads(flowId: string): Promise<number> {
    return this.control.counter(`outline:${flowId}`);
  }

  async tokens(options: { lifetimeMs?: number; revoke?: boolean }): Promise<void> {
    await this.control.request('POST', `${PREFIX}/tokens`, options);
  }
}
