// TypeScript with the installed package: starts a device approval, waits until the bank sent the
// approver's token, submits the token typed on standard input, and prints the outcome.
//
//   npx tsc -p . && node dist/device-approval.js approval.json
//
// approval.json is the start input (DeviceApprovalInput). Environment as for device-approval.js.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  KycClient,
  UpdateRefusedError,
  type DeviceApprovalInput,
  type DeviceApprovalState,
  type SubmitTokenResult,
} from '@kyc-temporal/client';

async function waitForToken(states: AsyncIterable<DeviceApprovalState>): Promise<DeviceApprovalState> {
  for await (const state of states) if (state.status !== 'CREATING') return state;
  throw new Error('the approval ended before the bank sent a token');
}

/** One line typed on standard input; refused when the input ends first (no token, nothing submitted). */
function askToken(): Promise<string> {
  const lines = createInterface({ input: process.stdin, output: process.stdout });
  return new Promise((resolve, reject) => {
    lines.once('close', () => reject(new Error('standard input ended before a token was typed')));
    lines.question('token: ', (answer) => {
      resolve(answer.trim());
      lines.close();
    });
  });
}

async function main(): Promise<void> {
  const input = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as DeviceApprovalInput;
  const kyc = await KycClient.connect();
  try {
    const { handle } = await kyc.deviceApprovals.start(input);
    const state = await waitForToken(handle.watch());
    console.log(`${handle.workflowId}: ${state.status} (token sent by ${state.contactType}, until ${state.deadline})`);

    const token = await askToken();
    // The request id makes a retry after a lost answer return this answer instead of using an attempt.
    const answer: SubmitTokenResult = await handle.submitToken(token, { requestId: `example-${input.deviceKey}` });
    console.log(answer.outcome === 'wrong' ? `wrong, ${answer.attemptsLeft} attempts left` : answer.outcome);
    const final: DeviceApprovalState = await handle.result();
    console.log(`final: ${final.status}`);
  } finally {
    await kyc.close();
  }
}

main().catch((error: unknown) => {
  // Typed errors: UpdateRefusedError carries the workflow's failure type (InvalidState, ...).
  if (error instanceof UpdateRefusedError) console.error(`refused (${error.failureType}): ${error.reason}`);
  else console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exitCode = 1;
});
