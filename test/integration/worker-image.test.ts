/**
 * The production image built for real without Docker: the Dockerfile's own instructions, parsed
 * from the file (test/support/dockerfile.ts), carried out in a scratch folder outside the
 * repository (`npm ci`, `npm run build`, `npm prune --omit=dev`, the runtime stage's copies), then
 * its CMD (`node lib/worker/main.js`) started there and put to work on cluster mode (PostgreSQL and
 * the Temporal server, scripts/lib/cluster.ts): a device approval approved with the bank's token,
 * and a phone check run with the image's own compiled CLI. No tsx, no devDependencies, no
 * bundling at start.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { KycClient } from '../../client';
import { startCluster, type Cluster } from '../../scripts/lib/cluster';
import { startWorkerProcess, type WorkerProcess } from '../../scripts/lib/worker-process';
import { BankDeviceControl } from '../../simulators/bank-device';
import { startTestStack, type TestStack } from '../harness';
import { ROOT, run } from '../support/client-package';
import { TEST_APPROVER_CPF, approvalInput } from '../support/device-approval';
import { buildWithoutDocker, parseDockerfile, type BuiltImage } from '../support/dockerfile';

jest.setTimeout(1_200_000);

const DOCKERFILE = join(ROOT, 'Dockerfile');
let scratch: string;
let clusterDir: string;
let image: BuiltImage;
let cluster: Cluster;
let stack: TestStack;
let worker: WorkerProcess;
let built: number;
let readyAfter: number;

/** The host's tools and npm cache, nothing of the test run's environment (NODE_ENV=test, jest's variables…). */
const hostEnv = (): NodeJS.ProcessEnv => ({
  PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
  HOME: process.env.HOME,
});

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'kyc-image-'));
  clusterDir = mkdtempSync(join(tmpdir(), 'kyc-image-cluster-'));
  const started = Date.now();
  // The cluster starts while npm installs: neither needs the other.
  [image, cluster] = await Promise.all([
    buildWithoutDocker({ dockerfile: DOCKERFILE, contextDir: ROOT, scratch, env: hostEnv() }),
    startCluster({ dataDir: clusterDir }),
  ]);
  built = (Date.now() - started) / 1000;
  stack = await startTestStack({ workers: false, temporalAddress: cluster.address, namespace: cluster.namespace });
  const [file, ...args] = image.cmd;
  const spawned = Date.now();
  worker = await startWorkerProcess({
    command: { argv: [file!, ...args], cwd: image.workdir },
    // INFO: the SDK logs "Workflow bundle created" at INFO when it bundles at start.
    env: { ...hostEnv(), ...stack.env, KYC_LOG_LEVEL: 'INFO', ...image.env },
    readyTimeoutMs: 180_000,
  });
  readyAfter = (Date.now() - spawned) / 1000;
});

afterAll(async () => {
  await worker?.kill('SIGTERM');
  await stack?.shutdown();
  await cluster?.stop();
  for (const dir of [scratch, clusterDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

it('the Dockerfile installs, builds, prunes to production dependencies and starts the compiled worker', () => {
  const stages = parseDockerfile(readFileSync(DOCKERFILE, 'utf8'));
  const runs = stages.flatMap((stage) => stage.instructions.filter((step) => step.keyword === 'RUN'));
  const commands = runs.flatMap((step) => step.args.split('&&').map((command) => command.trim()));
  expect(commands).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^npm ci\b/),
      expect.stringMatching(/^npm run build\b/),
      expect.stringMatching(/^npm prune --omit=dev\b/),
    ]),
  );
  expect(image.cmd).toEqual(['node', 'lib/worker/main.js']);
  expect(image.env.NODE_ENV).toBe('production');
  console.log(
    `image built without Docker in ${built.toFixed(1)} s (cluster started alongside): ${image.runs
      .map((step) => `${step.command} ${step.seconds} s`)
      .join(
        '; ',
      )}; worker ready ${readyAfter.toFixed(1)} s after start; USER ${image.user ?? '(none)'} not applied here`,
  );
});

it('holds compiled code, the prebuilt workflow bundle and production dependencies only', () => {
  const lib = join(image.workdir, 'lib');
  expect(existsSync(join(lib, 'worker', 'main.js'))).toBe(true);
  expect(existsSync(join(lib, 'workflow-bundle.js'))).toBe(true);
  expect(readdirSync(lib, { recursive: true }).filter((file) => String(file).endsWith('.ts'))).toEqual([]);

  // Pruned: no package the lockfile marks dev-only is left (devDependencies that production
  // packages also need, such as @swc/core for @temporalio/worker, are not dev-only and stay).
  const lock = JSON.parse(readFileSync(join(image.workdir, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  const devOnly = Object.entries(lock.packages).filter(([path, entry]) => path && entry.dev);
  expect(devOnly.length).toBeGreaterThan(50);
  expect(devOnly.map(([path]) => path).filter((path) => existsSync(join(image.workdir, path)))).toEqual([]);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const modules = join(image.workdir, 'node_modules');
  for (const name of Object.keys(pkg.dependencies)) expect(existsSync(join(modules, name, 'package.json'))).toBe(true);
  for (const tool of ['tsx', 'typescript', 'jest', 'eslint', 'prettier', '@temporalio/testing']) {
    expect({ tool, present: existsSync(join(modules, tool)) }).toEqual({ tool, present: false });
  }
});

it('its worker runs a device approval and a phone check on cluster mode, without bundling at start', async () => {
  const bank = new BankDeviceControl(stack.simulators.controls.bank);
  const accountKey = randomUUID();
  await bank.registerAccount({ account_key: accountKey, approvers: [TEST_APPROVER_CPF] });
  const kyc = new KycClient(stack.client, stack.config.temporal);
  const input = approvalInput(accountKey);
  const { handle } = await kyc.deviceApprovals.start(input);
  for await (const state of handle.watch()) if (state.status !== 'CREATING') break;
  const { token } = await bank.sentToken(input.deviceKey);
  expect(await handle.submitToken(token!, { requestId: 'image-approve' })).toEqual({ outcome: 'accepted' });
  expect((await handle.result()).status).toBe('APPROVED');

  // The image's own CLI, compiled, with plain node.
  const factors = join(scratch, 'factors.json');
  writeFileSync(factors, JSON.stringify({ phone: '13812345600', idCard: '11010519491231002X', name: '张三' }));
  const requestId = `image-${randomUUID()}`;
  const phone = await run(
    'node',
    ['lib/client/cli.js', '--json', 'phone', 'check', '--request-id', requestId, '--input-file', factors],
    {
      cwd: image.workdir,
      env: {
        ...hostEnv(),
        TEMPORAL_ADDRESS: cluster.address,
        TEMPORAL_NAMESPACE: cluster.namespace,
        KYC_TASK_QUEUE: stack.taskQueue,
        KYC_PAYLOAD_KEYS: stack.env.KYC_PAYLOAD_KEYS,
      },
    },
  );
  expect(phone).toMatchObject({ code: 0, stderr: '' });
  expect(JSON.parse(phone.stdout)).toMatchObject({ result: { outcome: 'VERIFIED', billed: true } });

  expect(worker.output()).not.toContain('Workflow bundle created');
  expect(worker.output()).not.toContain(TEST_APPROVER_CPF);
});
