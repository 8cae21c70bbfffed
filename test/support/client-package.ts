/**
 * The installable client package (packages/client) as a user gets it: `npm pack` of the folder
 * (its prepack compiles client/ + contracts/ + the client's common/ modules), then an install of
 * the tarball into a project of its own outside the repository.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const ROOT = join(__dirname, '..', '..');
export const CLIENT_PACKAGE_DIR = join(ROOT, 'packages', 'client');

const execFileAsync = promisify(execFile);

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; never throws for a non-zero exit (the caller asserts on `code`). */
export async function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await execFileAsync(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      timeout: options.timeoutMs ?? 600_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string; message: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : -1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? failed.message,
    };
  }
}

/** Like `run`, but a non-zero exit throws with the command's output. */
export async function runOrThrow(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CommandResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

interface ClientManifest {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  bin: Record<string, string>;
  engines: Record<string, string>;
}

export function clientManifest(): ClientManifest {
  return JSON.parse(readFileSync(join(CLIENT_PACKAGE_DIR, 'package.json'), 'utf8')) as ClientManifest;
}

export interface PackedClient {
  /** Absolute path of the tarball. */
  tarball: string;
  /** Paths inside the package, as `npm pack --json` lists them. */
  files: string[];
}

/** `npm pack packages/client` into `destination`: what a release of the package publishes. */
export async function packClient(destination: string): Promise<PackedClient> {
  const { stdout } = await runOrThrow(
    'npm',
    ['pack', CLIENT_PACKAGE_DIR, '--pack-destination', destination, '--json'],
    {
      cwd: destination,
    },
  );
  const report = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  const packed = report[0]!;
  return { tarball: join(destination, packed.filename), files: packed.files.map((file) => file.path) };
}

interface LockedPackage {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  dev?: boolean;
  devOptional?: boolean;
  [field: string]: unknown;
}

/**
 * A package-lock.json for a project that depends only on the tarball: the tarball's entry plus,
 * copied from the repository's lockfile at the same paths, every package its dependencies resolve
 * to (Node's lookup: the nearest node_modules up the tree). `npm ci --offline` then installs it
 * from the npm cache the repository's own `npm ci` filled: the same versions the repository tests,
 * and no registry at test time. Throws when a dependency is not in the repository's lockfile.
 */
export function scratchLockfile(projectName: string, tarballFile: string, tarballBytes: Buffer): unknown {
  const rootLock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockedPackage>;
  };
  const manifest = clientManifest();
  const spec = `file:${tarballFile}`;
  const packages: Record<string, LockedPackage> = {
    '': { name: projectName, dependencies: { [manifest.name]: spec } },
    [`node_modules/${manifest.name}`]: {
      version: manifest.version,
      resolved: spec,
      integrity: `sha512-${createHash('sha512').update(tarballBytes).digest('base64')}`,
      dependencies: manifest.dependencies,
      bin: manifest.bin,
      engines: manifest.engines,
    },
  };
  const resolve = (name: string, from: string): string | undefined => {
    for (let base = from; ;) {
      const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
      if (rootLock.packages[candidate]) return candidate;
      if (!base) return undefined;
      const parent = base.lastIndexOf('/node_modules/');
      base = parent < 0 ? '' : base.slice(0, parent);
    }
  };
  const queue: [string, string, boolean][] = Object.keys(manifest.dependencies).map((name) => [name, '', true]);
  for (let next = queue.shift(); next; next = queue.shift()) {
    const [name, from, required] = next;
    const path = resolve(name, from);
    if (!path) {
      if (required) throw new Error(`${name} (needed by ${from || manifest.name}) is not in package-lock.json`);
      continue;
    }
    if (packages[path]) continue;
    // Everything here is a production dependency of the scratch project.
    const { dev: _dev, devOptional: _devOptional, ...entry } = rootLock.packages[path]!;
    packages[path] = entry;
    for (const dependency of Object.keys(entry.dependencies ?? {})) queue.push([dependency, path, true]);
    // Optional and peer dependencies come along when the repository has them (platform packages, …).
    for (const dependency of Object.keys({ ...entry.optionalDependencies, ...entry.peerDependencies })) {
      queue.push([dependency, path, false]);
    }
  }
  return { name: projectName, lockfileVersion: 3, requires: true, packages };
}

/**
 * A project of its own in `dir` that depends on the packed client: package.json, the lockfile
 * above, then `npm ci --offline` (install scripts off, as the repository installs). When the npm
 * cache lacks a tarball (a cache cleaned since the repository's install) it falls back to
 * `--prefer-offline`, which may ask the registry.
 */
export async function installPackedClient(dir: string, packed: PackedClient): Promise<{ offline: boolean }> {
  const tarballFile = packed.tarball.slice(packed.tarball.lastIndexOf('/') + 1);
  const manifest = clientManifest();
  const name = 'kyc-client-consumer';
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name, private: true, dependencies: { [manifest.name]: `file:${tarballFile}` } }, null, 2)}\n`,
  );
  writeFileSync(
    join(dir, 'package-lock.json'),
    `${JSON.stringify(scratchLockfile(name, tarballFile, readFileSync(packed.tarball)), null, 2)}\n`,
  );
  const flags = ['--no-audit', '--no-fund', '--ignore-scripts'];
  const offline = await run('npm', ['ci', '--offline', ...flags], { cwd: dir });
  if (offline.code === 0) return { offline: true };
  if (!/ENOTCACHED/.test(offline.stderr)) {
    throw new Error(`npm ci --offline failed:\n${offline.stdout}\n${offline.stderr}`);
  }
  await runOrThrow('npm', ['ci', '--prefer-offline', ...flags], { cwd: dir });
  return { offline: false };
}
