/**
 * What a fresh clone relies on before any code runs: the lockfile installs with `npm ci` on any
 * platform, `engines` states a Node.js version that every locked package accepts, and every
 * `npm run` script points at a file that exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';

const ROOT = join(__dirname, '..', '..');

interface LockedPackage {
  version?: string;
  engines?: { node?: string } | string[];
  optional?: boolean;
  os?: string[];
  link?: boolean;
}

interface PackageJson {
  engines: { node: string };
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  overrides?: Record<string, string>;
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockedPackage>;
};

describe('package.json engines', () => {
  const minimum = semver.minVersion(pkg.engines.node);

  it('names a minimum Node.js version', () => {
    expect(minimum).not.toBeNull();
  });

  it('is accepted by every locked package that can install on Linux', () => {
    const refusing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const range = !Array.isArray(entry.engines) ? entry.engines?.node : undefined;
      if (path === '' || range === undefined) continue;
      if (entry.os && !entry.os.includes('linux')) continue;
      if (!semver.satisfies(minimum!.version, range, { includePrerelease: true })) {
        refusing.push(`${path}@${entry.version ?? '?'} requires node ${range}`);
      }
    }
    expect(refusing).toEqual([]);
  });
});

describe('package-lock.json', () => {
  it("lists other platforms' optional native packages, so npm ci does not depend on the registry's day", () => {
    // @swc/core ships its native code as one optional package per platform; a lockfile made
    // without them is rewritten by `npm install` and refused by `npm ci`.
    const swcPlatforms = Object.keys(lock.packages).filter((p) => p.startsWith('node_modules/@swc/core-'));
    expect(swcPlatforms).toEqual(
      expect.arrayContaining([
        'node_modules/@swc/core-linux-x64-gnu',
        'node_modules/@swc/core-darwin-arm64',
        'node_modules/@swc/core-win32-x64-msvc',
      ]),
    );
  });

  it('records every direct dependency at the exact version package.json pins', () => {
    const mismatched: string[] = [];
    for (const [name, wanted] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      const locked = lock.packages[`node_modules/${name}`]?.version;
      if (locked !== wanted) mismatched.push(`${name}: package.json ${wanted}, lockfile ${locked ?? 'missing'}`);
    }
    expect(mismatched).toEqual([]);
  });

  it('applies each override', () => {
    for (const [name, version] of Object.entries(pkg.overrides ?? {})) {
      const copies = Object.entries(lock.packages).filter(
        ([p]) => p === `node_modules/${name}` || p.endsWith(`/node_modules/${name}`),
      );
      expect(copies.length).toBeGreaterThan(0);
      for (const [, entry] of copies) expect(entry.version).toBe(version);
    }
  });
});

describe('npm run scripts', () => {
  // `tsx FILE`, `bash FILE`, `node FILE`: the first argument that looks like a path must exist.
  const entries = Object.entries(pkg.scripts).flatMap(([name, command]) => {
    const file = command
      .split(/\s+/)
      .slice(1)
      .find((word) => /\.(ts|js|sh|mjs|cjs)$/.test(word));
    return file ? [[name, file] as const] : [];
  });

  it('has an entry file for each script that runs one', () => {
    expect(entries.length).toBeGreaterThan(5);
  });

  // lib/ files exist only after `npm run build`.
  const sources = entries.filter(([, file]) => !file.startsWith('lib/'));

  it.each(sources)('%s → %s exists', (_name, file) => {
    expect(existsSync(join(ROOT, file))).toBe(true);
  });

  it.each(sources.filter(([, file]) => file.endsWith('.ts')))(
    '%s → %s runs something when started, not only defines it',
    (_name, file) => {
      // A module of functions alone (e.g. simulators/main.ts) exits 0 having done nothing.
      expect(readFileSync(join(ROOT, file), 'utf8')).toMatch(/^(void )?(main|runCli)\(/m);
    },
  );
});
