/**
 * A simulator whose state file cannot be written keeps answering, and says so once per distinct
 * error (naming the state file and the errno) instead of failing silently after each answer.
 * Run as root (CI), a read-only folder would still be writable: the state folder's path goes
 * through a regular file instead (ENOTDIR for everyone).
 */
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type RunningSimulator } from '../../simulators/framework/simulator';

let root: string;
let simulator: RunningSimulator | undefined;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kyc-sim-state-'));
});
afterEach(async () => {
  await simulator?.close();
  simulator = undefined;
  rmSync(root, { recursive: true, force: true });
});

async function start(stateFile: string, logged: string[]): Promise<RunningSimulator> {
  let count = 0;
  return startSimulator({
    name: 'test',
    stateFile,
    logError: (message) => logged.push(message),
    register(app) {
      app.sim.keepState({ snapshot: () => ({ count }), restore: () => undefined });
      app.post('/things', () => ({ count: ++count }));
    },
  });
}

it('logs one clear error per distinct save failure, naming the state file and the errno, and keeps serving', async () => {
  const blocker = join(root, 'not-a-folder');
  writeFileSync(blocker, '');
  const stateFile = join(blocker, 'state', 'test.json');
  const logged: string[] = [];
  simulator = await start(stateFile, logged);

  for (let i = 1; i <= 3; i++) {
    const response = await fetch(`${simulator.url}/things`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ count: i });
  }
  // Saves run after the answers went out; closing waits for them (and saves once more, failing again).
  await simulator.close();
  simulator = undefined;
  expect(logged).toHaveLength(1);
  expect(logged[0]).toContain(`cannot save its state to ${stateFile} (ENOTDIR`);
  expect(logged[0]).toContain('test simulator');

  // Once the folder can be made, saves work.
  unlinkSync(blocker);
  const after: string[] = [];
  simulator = await start(stateFile, after);
  await fetch(`${simulator.url}/things`, { method: 'POST' });
  await simulator.close();
  simulator = undefined;
  expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual([{ count: 1 }]);
  expect(after).toEqual([]);
});
