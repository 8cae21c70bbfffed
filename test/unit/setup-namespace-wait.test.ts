/**
 * The namespace setup step (scripts/setup-namespace.ts) against an address where nothing listens:
 * it says at once what it waits for, then fails with a message naming the address once connections
 * have been refused for its limit, instead of waiting its whole two minutes in silence.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/lib/free-port';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');

it('says what it waits for, and gives up early when nothing accepts connections', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kyc-setup-wait-'));
  const address = `127.0.0.1:${await freePort()}`;
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'setup-namespace.ts')], {
      cwd: ROOT,
      env: {
        ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TEMPORAL_'))),
        TEMPORAL_ADDRESS: address,
        TEMPORAL_NAMESPACE: 'default',
        // No `.data/temporal.toml` of the checkout.
        KYC_DATA_DIR: dir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(stdout).toContain(`waiting for the Temporal server at ${address} (up to 120 s)...`);
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`^nothing accepts connections at ${address} \\(refused for \\d+ s\\)`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
