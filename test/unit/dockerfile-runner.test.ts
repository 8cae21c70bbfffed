/**
 * The runner that carries out the Dockerfile without Docker (test/support/dockerfile.ts): it reads
 * the real file's steps, refuses instructions it would not carry out, and sends the context the
 * way Docker does (.dockerignore).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandArgv, contextFiles, dockerignored, parseDockerfile } from '../support/dockerfile';

const ROOT = join(__dirname, '..', '..');

describe('parseDockerfile', () => {
  it("reads the repository's Dockerfile: a build stage and a runtime stage that copies from it", () => {
    const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
    expect(stages.map((stage) => stage.name)).toEqual(['build', undefined]);
    expect(stages[0]!.instructions.filter((step) => step.keyword === 'RUN').map((step) => step.args)).toEqual([
      'npm ci --no-audit --no-fund',
      'npm run build && npm prune --omit=dev',
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
