// PLACEHOLDER: replaced by the e-signature callback receiver.
import type { Client } from '@temporalio/client';
import type { CallbackReceiverConfig } from '../common/config';
export interface CallbackReceiver { url: string; close(): Promise<void> }
export async function startCallbackReceiver(options: { config: CallbackReceiverConfig; client: Client }): Promise<CallbackReceiver> {
  void options;
  return { url: 'http://127.0.0.1:0/placeholder', close: async () => {} };
}
