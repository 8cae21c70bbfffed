/**
 * The send slots the phone gateway's slot ledger granted, read back from its history over all
 * its runs (contracts/phone-gateway-slots.ts): the account's schedule as decided, to set beside
 * the calls the gateway simulator saw. Used by the rate test and the benchmark.
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter, type DataConverter, type Payload } from '@temporalio/common';
import { decodePayloads } from '../../common/data-converter';
import { phoneGatewaySlotsWorkflowId, type SlotGrant } from '../../contracts/phone-gateway-slots';

/**
 * Every slot (epoch ms, in grant order) the ledger of `gatewayTaskQueue` handed out. `dataConverter`
 * must be the one the workers use (its payload codecs decrypt the update results).
 */
export async function grantedGatewaySlots(
  client: Client,
  dataConverter: DataConverter,
  gatewayTaskQueue: string,
): Promise<number[]> {
  const workflowId = phoneGatewaySlotsWorkflowId(gatewayTaskQueue);
  const slots: number[] = [];
  for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
    for (const event of history.events ?? []) {
      const payloads = event.workflowExecutionUpdateCompletedEventAttributes?.outcome?.success?.payloads as
        | Payload[]
        | undefined;
      if (!payloads?.length) continue;
      const [grant] = await decodePayloads(dataConverter, payloads);
      slots.push(...defaultPayloadConverter.fromPayload<SlotGrant>(grant!).slotsMs);
    }
  }
  return slots;
}
