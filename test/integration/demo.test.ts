/**
 * The README's main command, end to end: `scripts/demo.ts --once` starts its own dev server (with
 * a database file and the UI), the simulators and a worker process, and runs every flow's demo.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { harnessInfo } from '../harness';

const ROOT = join(__dirname, '..', '..');

function runDemo(dataDir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts', 'demo.ts'), '--once', '--ports', 'auto', '--data-dir', dataDir],
      {
        cwd: ROOT,
        env: { ...process.env, TEMPORAL_CLI: harnessInfo().cliPath },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('npm run demo', () => {
  it('runs all three flows against its own persistent dev server, simulators and worker, then stops', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kyc-demo-'));
    const { code, output } = await runDemo(dataDir);

    expect(output).toContain('All demo flows finished.');
    expect(code).toBe(0);
    for (const title of ['Phone three-factor check', 'Device two-factor approval', 'Identity-flow tracking']) {
      expect(output).toContain(`== ${title}`);
    }
    expect(output).toMatch(/Temporal UI: http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows/);
    expect(output).toMatch(/Payloads are encrypted; codec server: http:\/\/127\.0\.0\.1:\d+/);
    expect(output).not.toMatch(/failed:/);
    // The profile and key file `kyc` and `temporal` (TEMPORAL_CONFIG_FILE) find the stack by.
    const codecUrl = /codec server: (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1];
    const profile = readFileSync(join(dataDir, 'temporal.toml'), 'utf8');
    expect(profile).toMatch(/^\[profile\.default\]\naddress = "127\.0\.0\.1:\d+"\nnamespace = "default"$/m);
    expect(profile).toContain(`[profile.default.codec]\nendpoint = "${codecUrl}"`);
    expect(statSync(join(dataDir, 'payload-keys')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dataDir, 'payload-keys'), 'utf8')).toMatch(/^dev-[0-9a-f]+:[A-Za-z0-9+/]+=*\n$/);
    expect(output).toContain(`export TEMPORAL_CONFIG_FILE=${join(dataDir, 'temporal.toml')}`);
    // State lives in a file, so approvals survive a server restart.
    expect(existsSync(join(dataDir, 'temporal', 'dev.db'))).toBe(true);
    // So do the simulators' accounts, devices and flows, next to it.
    expect(existsSync(join(dataDir, 'simulators', 'bank.json'))).toBe(true);
    expect(existsSync(join(dataDir, 'simulators', 'esign.json'))).toBe(true);
  }, 240_000);
});
