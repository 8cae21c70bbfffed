/**
 * The static check of docker-compose.yml and the Dockerfile (scripts/check-compose.sh; no Docker
 * engine here): it passes on the repository's files and fails, naming the fault, on copies that
 * carry one.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'kyc-compose-check-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the check on the repository's files, with `compose` and `dockerfile` text in their place when given. */
function check(changed: { compose?: string; dockerfile?: string } = {}): { code: number | null; output: string } {
  const composeFile = join(scratch, 'docker-compose.yml');
  const dockerfile = join(scratch, 'Dockerfile');
  writeFileSync(composeFile, changed.compose ?? readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'));
  writeFileSync(dockerfile, changed.dockerfile ?? readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const result = spawnSync('bash', [join(ROOT, 'scripts', 'check-compose.sh'), composeFile, dockerfile], {
    encoding: 'utf8',
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

const repositoryDockerfile = () => readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

it("passes on the repository's docker-compose.yml and Dockerfile", () => {
  const { code, output } = check();
  expect(output).toContain(': ok (temporalio/server:');
  expect(code).toBe(0);
});

it('fails when a named volume is mounted where the image (USER node) has no node-owned folder', () => {
  // The fault a fresh user met: Docker creates /secrets root-owned, and the simulators cannot write their secrets.
  const dockerfile = repositoryDockerfile()
    .split('\n')
    .filter((line) => !line.includes('--chown='))
    .join('\n');
  const { code, output } = check({ dockerfile });
  expect(code).toBe(1);
  expect(output).toContain('simulators: the named volume kyc-secrets is mounted at /secrets');
  expect(output).toContain('COPY --chown=node:node');
});

it('fails when the mount point is owned by another user than the one the image runs as', () => {
  const dockerfile = repositoryDockerfile().replace('--chown=node:node', '--chown=root:root');
  expect(dockerfile).not.toBe(repositoryDockerfile());
  const { code, output } = check({ dockerfile });
  expect(code).toBe(1);
  expect(output).toContain('which ');
  expect(output).toContain('does not make owned by node');
});

it('fails when a service mounts a named volume at a path the image does not prepare', () => {
  const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8').replace(
    '      - kyc-secrets:/secrets\n',
    '      - kyc-secrets:/var/kyc-secrets\n',
  );
  const { code, output } = check({ compose });
  expect(code).toBe(1);
  expect(output).toContain('simulators: the named volume kyc-secrets is mounted at /var/kyc-secrets');
});

it('fails when the project image is built by more than one service, or run without pull_policy never', () => {
  const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
  // Each service with build: built the same image again (five builds).
  const twice = compose.replace('x-app: &app\n', 'x-app: &app\n  build: .\n');
  expect(twice).not.toBe(compose);
  const built = check({ compose: twice });
  expect(built.code).toBe(1);
  expect(built.output).toContain("exactly one service may build the project's image");
  const pulled = check({ compose: compose.replace('  pull_policy: never\n', '') });
  expect(pulled.code).toBe(1);
  expect(pulled.output).toContain('worker: runs the project');
});

it("fails when the server's health check needs a tool the image does not have", () => {
  // temporalio/server 1.27+ is Alpine with temporal-server only: a `temporal` CLI check never passes.
  const original = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
  const compose = original.replace(
    "test: ['CMD', 'nc', '-z', '127.0.0.1', '7233']",
    "test: ['CMD', 'temporal', 'operator', 'cluster', 'health', '--address', '127.0.0.1:7233']",
  );
  expect(compose).not.toBe(original);
  const { code, output } = check({ compose });
  expect(code).toBe(1);
  expect(output).toContain('temporal: the health check must be `nc -z <host> 7233`');
});

it('fails when an OpenTelemetry setting is not passed through to the worker and the receiver', () => {
  const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8').replace('  OTEL_SERVICE_NAME:\n', '');
  const { code, output } = check({ compose });
  expect(code).toBe(1);
  expect(output).toContain('worker: OTEL_SERVICE_NAME must be passed through from the shell');
  expect(output).toContain('callback-receiver: OTEL_SERVICE_NAME must be passed through from the shell');
});

it("fails when the simulators keep their state where the image's user cannot write", () => {
  // Without --state-dir the simulators wrote under /app/lib/.data (root's): EACCES at the first POST.
  const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
  const withoutStateDir = compose.replace(/\n\s*'--state-dir',\n\s*'\/simulator-state',/, '');
  expect(withoutStateDir).not.toBe(compose);
  const missing = check({ compose: withoutStateDir });
  expect(missing.code).toBe(1);
  expect(missing.output).toContain('simulators: must pass --state-dir');

  const unmounted = check({ compose: compose.replace("'/simulator-state',", "'/var/simulator-state',") });
  expect(unmounted.code).toBe(1);
  expect(unmounted.output).toContain('simulators: --state-dir /var/simulator-state is not a named volume');
});
