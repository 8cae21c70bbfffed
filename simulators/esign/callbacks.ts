/**
 * The platform's end-of-flow callbacks: signed like the real ones, sent to the flow's notify URL
 * (or the simulator's default), and logged so tests can see every delivery. Loopback only.
 */
import { isLoopbackUrl } from '../../common/config';
import {
  CALLBACK_SIGNATURE_ALGORITHM,
  DEFAULT_CALLBACK_HEADERS,
  signCallback,
} from '../../providers/esign/callback-signature';
import type { SimFlow } from './flows';

export type CallbackTamper = 'signature' | 'stale' | 'none';

export interface CallbackDelivery {
  flowId: string;
  url: string | null;
  tamper: CallbackTamper;
  /** HTTP status of the receiver's answer; null when nothing was sent or the request failed. */
  status: number | null;
  error: string | null;
  elapsedMs: number;
  at: number;
}

export function callbackBody(flow: SimFlow): string {
  const success = flow.flowStatus === 'SUCCESS';
  return JSON.stringify({
    flowId: flow.flowId,
    accountId: flow.accountId,
    success,
    contextId: flow.contextId,
    verifycode: '',
    status: flow.flowStatus,
    failReasonCode: flow.failReasonCode,
    action: flow.objectType === 'ORGANIZATION' ? 'identity_org_end' : 'identity_psn_end',
  });
}

export class CallbackSender {
  readonly deliveries: CallbackDelivery[] = [];

  constructor(
    private readonly appSecret: string,
    private readonly defaultNotifyUrl: string | undefined,
  ) {}

  async send(flow: SimFlow, tamper: CallbackTamper = 'none', urlOverride?: string): Promise<CallbackDelivery> {
    const url = urlOverride ?? flow.notifyUrl ?? this.defaultNotifyUrl ?? null;
    const started = Date.now();
    const record = (status: number | null, error: string | null): CallbackDelivery => {
      const delivery = {
        flowId: flow.flowId,
        url,
        tamper,
        status,
        error,
        elapsedMs: Date.now() - started,
        at: started,
      };
      this.deliveries.push(delivery);
      return delivery;
    };
    if (!url) return record(null, 'no notify URL');
    if (!isLoopbackUrl(url)) return record(null, 'refused: the simulator only calls loopback addresses');

    const body = callbackBody(flow);
    // A stale callback is one signed 20 minutes ago: outside any sane tolerance.
    const timestamp = String(tamper === 'stale' ? started - 20 * 60_000 : started);
    const query = Object.fromEntries(new URL(url).searchParams);
    let signature = signCallback(this.appSecret, timestamp, query, body);
    if (tamper === 'signature') signature = `${signature[0] === '0' ? '1' : '0'}${signature.slice(1)}`;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [DEFAULT_CALLBACK_HEADERS.timestamp]: timestamp,
          [DEFAULT_CALLBACK_HEADERS.signature]: signature,
          [DEFAULT_CALLBACK_HEADERS.algorithm]: CALLBACK_SIGNATURE_ALGORITHM,
        },
        body,
        signal: AbortSignal.timeout(5_000),
      });
      await response.arrayBuffer();
      return record(response.status, null);
    } catch (error) {
      return record(null, error instanceof Error ? error.message : 'request failed');
    }
  }
}
