import { ALL_SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';
import { spawnWorkerProcess, startTestStack, type TestStack } from '../harness';

describe('test harness', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ workers: false });
  });
  afterAll(async () => {
    await stack?.shutdown();
  });

  it('runs a real Temporal server with every project search attribute registered', async () => {
    const { customAttributes } = await stack.client.connection.operatorService.listSearchAttributes({
      namespace: stack.config.temporal.namespace,
    });
    for (const key of ALL_SEARCH_ATTRIBUTES) expect(Object.keys(customAttributes ?? {})).toContain(key.name);
  });

  it('serves the three simulators on loopback with their control APIs', async () => {
    for (const simulator of [stack.simulators.bank, stack.simulators.esign, stack.simulators.phone]) {
      expect(simulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
    const stats = await stack.simulators.controls.phone.stats();
    expect(stats.counters).toEqual({});
  });

  it('starts the production worker entry point as a process that can be killed', async () => {
    const worker = await spawnWorkerProcess(stack);
    expect(worker.output()).toContain(`task queue ${stack.taskQueue}`);
    await worker.kill('SIGKILL');
    expect(worker.child.signalCode).toBe('SIGKILL');
  });
});
