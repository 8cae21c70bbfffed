/**
 * The simulators' state files hold personal data (the bank's approvers' CPFs): they are written
 * owner-only, 0600, and the folder a simulator creates for them 0700 (common/private-files.ts, as
 * the dev secrets), also when an older version left the file 0644; a folder that already existed
 * keeps its mode.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDevCredentials } from '../../scripts/lib/dev-credentials';
import { BankDeviceControl, startBankDeviceSimulator } from '../../simulators/bank-device';
import type { RunningSimulator } from '../../simulators/framework/simulator';

const APPROVER = '52998224725';

let root: string;
let simulator: RunningSimulator | undefined;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kyc-sim-mode-'));
});
afterEach(async () => {
  await simulator?.close();
  simulator = undefined;
  rmSync(root, { recursive: true, force: true });
});

const modeOf = (path: string) => statSync(path).mode & 0o777;

/** A bank simulator keeping its state in `stateFile`, with one account registered (a save). */
async function bankWithAccount(stateFile: string): Promise<void> {
  const credentials = await createDevCredentials();
  simulator = await startBankDeviceSimulator({
    apiClientKey: credentials.bankApiClientKey,
    clientPublicKeyPem: credentials.bankPublicKeyPem,
    stateFile,
  });
  await new BankDeviceControl(simulator.url).registerAccount({ account_key: randomUUID(), approvers: [APPROVER] });
  // Saves run after the answer went out; closing waits for them.
  await simulator.close();
  simulator = undefined;
}

it("writes the bank's state file 0600 in a folder it creates 0700", async () => {
  const dir = join(root, 'data', 'simulators');
  const stateFile = join(dir, 'bank.json');
  await bankWithAccount(stateFile);
  expect(readFileSync(stateFile, 'utf8')).toContain(APPROVER);
  expect(modeOf(stateFile)).toBe(0o600);
  expect(modeOf(dir)).toBe(0o700);
  expect(modeOf(join(root, 'data'))).toBe(0o700);
});

it('makes a state file an older version left 0644 owner-only at the next save, and leaves an existing folder as it was', async () => {
  const dir = join(root, 'shared');
  mkdirSync(dir);
  chmodSync(dir, 0o755);
  const stateFile = join(dir, 'bank.json');
  await bankWithAccount(stateFile);
  chmodSync(stateFile, 0o644);
  // A temporary file left 0644 by a crash mid-save is not reused with its mode either.
  writeFileSync(`${stateFile}.tmp`, '', { mode: 0o644 });
  chmodSync(`${stateFile}.tmp`, 0o644);
  await bankWithAccount(stateFile);
  expect(readFileSync(stateFile, 'utf8')).toContain(APPROVER);
  expect(modeOf(stateFile)).toBe(0o600);
  expect(modeOf(dir)).toBe(0o755);
});
