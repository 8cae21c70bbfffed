/**
 * The runner that carries out the Dockerfile without Docker (test/support/dockerfile.ts): it reads
 * the real file's steps, refuses instructions it would not carry out, and sends the context the
 * way Docker does (.dockerignore).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWithoutDocker, commandArgv, contextFiles, dockerignored, parseDockerfile } from '../support/dockerfile';

const ROOT = join(__dirname, '..', '..');

describe('parseDockerfile', () => {
  it("reads the repository's Dockerfile: a build stage and a runtime stage that copies from it", () => {
    const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
    expect(stages.map((stage) => stage.name)).toEqual(['build', undefined]);
    expect(stages[0]!.instructions.filter((step) => step.keyword === 'RUN').map((step) => step.args)).toEqual([
      'npm ci --no-audit --no-fund',
      'npm run build && npm prune --omit=dev',
      'mkdir secrets simulator-state',
    ]);
    expect(
      stages[1]!.instructions
        .filter((step) => step.keyword === 'COPY')
        .every((step) => step.args.startsWith('--from=build')),
    ).toBe(true);
  });

  it('joins continuation lines and skips comments', () => {
    const [stage] = parseDockerfile(
      '# image\nFROM node:20 AS build\nRUN npm ci \\\n  --no-audit\n# done\nCMD ["node", "x.js"]\n',
    );
    expect(stage!.instructions).toEqual([
      { keyword: 'RUN', args: 'npm ci --no-audit', line: 3 },
      { keyword: 'CMD', args: '["node", "x.js"]', line: 6 },
    ]);
  });

  it('refuses an instruction it does not carry out, naming the line, rather than skipping it', () => {
    expect(() => parseDockerfile('FROM node:20\nARG VERSION\n')).toThrow(
      'Dockerfile line 2: ARG is not carried out by this runner',
    );
    expect(() => parseDockerfile('RUN true\n')).toThrow('Dockerfile line 1: RUN before FROM');
  });
});

describe('buildWithoutDocker', () => {
  let scratch: string;
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'kyc-dockerfile-'));
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  const build = (text: string) => {
    const dockerfile = join(scratch, 'Dockerfile');
    writeFileSync(dockerfile, text);
    return buildWithoutDocker({
      dockerfile,
      contextDir: ROOT,
      scratch: join(scratch, 'image'),
      env: { PATH: process.env.PATH },
    });
  };

  it('copies a folder from another stage to an absolute destination and records COPY --chown', async () => {
    // The kyc-secrets mount point of the repository's Dockerfile, in the scratch folder only.
    const image = await build(
      'FROM node:20 AS build\nWORKDIR /app\nRUN mkdir secrets\n' +
        'FROM node:20\nWORKDIR /app\nCOPY --from=build --chown=node:node /app/secrets /secrets\nUSER node\n',
    );
    expect(statSync(join(image.root, 'secrets')).isDirectory()).toBe(true);
    expect(readdirSync(join(image.root, 'secrets'))).toEqual([]);
    expect(existsSync(join(image.workdir, 'secrets'))).toBe(false);
    expect(image.owners).toEqual({ '/secrets': 'node:node' });
    expect(image.user).toBe('node');
  });

  it('records a relative COPY --chown destination by its path in the image', async () => {
    const image = await build('FROM node:20\nWORKDIR /app\nCOPY --chown=node package.json ./\n');
    expect(existsSync(join(image.workdir, 'package.json'))).toBe(true);
    expect(image.owners).toEqual({ '/app': 'node' });
  });

  it('refuses a COPY flag it does not carry out, naming the line, rather than ignoring it', async () => {
    await expect(build('FROM node:20\nCOPY --chmod=600 package.json /x\n')).rejects.toThrow(
      'Dockerfile line 2: COPY --chmod=600 is not carried out by this runner',
    );
  });
});

describe('commandArgv', () => {
  it('runs the shell form through sh -c and the exec form as given', () => {
    expect(commandArgv('npm run build && npm prune --omit=dev')).toEqual([
      'sh',
      '-c',
      'npm run build && npm prune --omit=dev',
    ]);
    expect(commandArgv('["node", "lib/worker/main.js"]')).toEqual(['node', 'lib/worker/main.js']);
  });
});

describe('dockerignored', () => {
  it("follows Docker's rules: a matched folder excludes what is under it, * stays in one segment, ! re-includes", () => {
    const patterns = ['node_modules', 'lib', 'packages/*/lib', '*.tgz', 'docs/**/*.png', '!docs/keep.png'];
    expect(dockerignored('node_modules/zod/index.js', patterns)).toBe(true);
    expect(dockerignored('lib/worker/main.js', patterns)).toBe(true);
    // Patterns are anchored at the context root, as in Docker (not like .gitignore).
    expect(dockerignored('common/lib/x.ts', patterns)).toBe(false);
    expect(dockerignored('packages/client/lib/client/index.js', patterns)).toBe(true);
    expect(dockerignored('packages/client/package.json', patterns)).toBe(false);
    expect(dockerignored('kyc-temporal-client-0.1.0.tgz', patterns)).toBe(true);
    expect(dockerignored('packages/client/x.tgz', patterns)).toBe(false);
    expect(dockerignored('docs/a/b/shot.png', patterns)).toBe(true);
    expect(dockerignored('docs/shot.png', patterns)).toBe(true);
    expect(dockerignored('docs/keep.png', patterns)).toBe(false);
  });

  it("leaves out of the repository's context what its .dockerignore names, and keeps the sources", () => {
    const files = contextFiles(ROOT);
    expect(files).toEqual(
      expect.arrayContaining(['package.json', 'package-lock.json', 'worker/main.ts', 'Dockerfile']),
    );
    expect(files.filter((file) => /^(node_modules|lib|\.data|test-output|coverage)\//.test(file))).toEqual([]);
  });
});
