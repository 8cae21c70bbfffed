// Plain JavaScript with the installed package: starts a device approval, reads its state, cancels it.
//
//   node device-approval.js approval.json
//
// approval.json is the start input: {"accountKey", "deviceKey", "sessionId", "approverCpf", "contactType"}.
// Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, KYC_TASK_QUEUE and KYC_PAYLOAD_KEYS (or
// KYC_PAYLOAD_KEYS_FILE): the workers' payload keys; without one nothing is sent.
'use strict';
const { readFileSync } = require('node:fs');
const { InvalidInputError, KycClient } = require('@kyc-temporal/client');

async function main() {
  const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  const kyc = await KycClient.connect();
  try {
    // Inputs are checked in this process before anything is sent; the error names the field, not the value.
    try {
      await kyc.deviceApprovals.start({ ...input, approverCpf: '12345678900' });
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      console.log(`refused before sending: ${error.message}`);
    }

    const { handle, started } = await kyc.deviceApprovals.start(input);
    console.log(`${started ? 'started' : 'attached to'} ${handle.workflowId}`);
    // watch() wakes on new history events; the first state past CREATING means the bank answered.
    for await (const state of handle.watch()) {
      if (state.status === 'CREATING') continue;
      console.log(`state: ${state.status}, ${state.attemptsLeft} attempts left`);
      break;
    }
    const cancelled = await handle.cancel('the customer abandoned the enrolment', { requestId: 'example-cancel' });
    console.log(`cancel: ${cancelled.status}, device disabled: ${cancelled.deviceDisabled}`);
    const final = await handle.result();
    console.log(`final: ${final.status}`);
  } finally {
    await kyc.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exitCode = 1;
});
