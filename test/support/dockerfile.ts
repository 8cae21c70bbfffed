/**
 * The Dockerfile's own steps run without Docker: its instructions are parsed from the file and
 * carried out in a scratch folder, one folder per stage standing for the stage's filesystem
 * (`/app` of stage `build` is `<scratch>/build/app`). RUN lines run through `sh -c` in the stage's
 * WORKDIR with its ENV; COPY takes the build context as Docker sends it (the files a clean
 * checkout has, minus .dockerignore) or another stage's files (`--from`). What cannot be done
 * without Docker is reported, not faked: FROM gives this machine's Node.js and tools instead of
 * the image's, and USER and `COPY --chown` are recorded but the commands run as the current user.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';

export interface Instruction {
  keyword: 'FROM' | 'WORKDIR' | 'COPY' | 'RUN' | 'ENV' | 'USER' | 'CMD';
  /** The text after the keyword, continuation lines joined. */
  args: string;
  line: number;
}

export interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

const SUPPORTED = new Set(['FROM', 'WORKDIR', 'COPY', 'RUN', 'ENV', 'USER', 'CMD']);

/** Parses a Dockerfile into stages. Throws on an instruction this runner does not carry out, naming its line. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const first = index + 1;
    let line = lines[index]!.trim();
    if (!line || line.startsWith('#')) continue;
    while (line.endsWith('\\') && index + 1 < lines.length)
      line = `${line.slice(0, -1).trim()} ${lines[++index]!.trim()}`;
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (!SUPPORTED.has(upper))
      throw new Error(`Dockerfile line ${first}: ${keyword} is not carried out by this runner`);
    const instruction: Instruction = { keyword: upper as Instruction['keyword'], args: args.trim(), line: first };
    if (instruction.keyword === 'FROM') {
      const [, image = '', name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args) ?? [];
      stages.push({ image, name, instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`Dockerfile line ${first}: ${keyword} before FROM`);
      stage.instructions.push(instruction);
    }
  }
  return stages;
}

/** `["node", "x.js"]` (exec form) as argv; a shell-form command as `sh -c <command>`. */
export function commandArgv(args: string): string[] {
  if (args.startsWith('[')) return JSON.parse(args) as string[];
  return ['sh', '-c', args];
}

// `**/` also matches no folder at all (`docs/**/*.png` takes docs/a.png), as in Docker.
const WILDCARDS: Record<string, string> = { '**/': '(?:.*/)?', '**': '.*', '*': '[^/]*', '?': '[^/]' };

/** Whether a context path is excluded by .dockerignore (Docker's rules: a pattern also excludes what is under a matched folder; `!` re-includes; the last match wins). */
export function dockerignored(path: string, patterns: string[]): boolean {
  let ignored = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = posix.normalize((negated ? raw.slice(1) : raw).trim()).replace(/^\/+/, '');
    const regex = new RegExp(
      `^${pattern
        .split(/(\*\*\/|\*\*|\*|\?)/)
        .map((part) => WILDCARDS[part] ?? part.replace(/[.+^${}()|[\]\\]/g, '\\$&'))
        .join('')}$`,
    );
    const segments = path.split('/');
    const matches = segments.some((_, end) => regex.test(segments.slice(0, end + 1).join('/')));
    if (matches) ignored = !negated;
  }
  return ignored;
}

/** The files of the build context as Docker receives them from a clean checkout of the work tree. */
export function contextFiles(contextDir: string): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: contextDir,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((path) => path && existsSync(join(contextDir, path)) && statSync(join(contextDir, path)).isFile());
  const ignoreFile = join(contextDir, '.dockerignore');
  const patterns = existsSync(ignoreFile)
    ? readFileSync(ignoreFile, 'utf8')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line && !line.startsWith('#'))
    : [];
  return listed.filter((path) => !dockerignored(path, patterns));
}

export interface StepLog {
  (message: string): void;
}

export interface BuiltImage {
  /** The last stage's filesystem root in the scratch folder. */
  root: string;
  /** Its WORKDIR, in the scratch folder. */
  workdir: string;
  /** Its ENV. */
  env: Record<string, string>;
  /** Its CMD as argv. */
  cmd: string[];
  /** Its USER, not applied here. */
  user?: string;
  /**
   * The owner (`user:group`) each `COPY --chown` gives, by destination path in the image
   * (`/secrets`): recorded, not applied, since the commands run as the current user.
   */
  owners: Record<string, string>;
  /** Seconds each RUN took, with its command. */
  runs: { command: string; seconds: number }[];
}

function runShell(argv: string[], cwd: string, env: NodeJS.ProcessEnv, log: StepLog): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) {
        log(output.trim().split('\n').slice(-3).join('\n'));
        resolve();
      } else {
        reject(new Error(`${argv.join(' ')} exited with ${code} in ${cwd}:\n${output.slice(-20_000)}`));
      }
    });
  });
}

/**
 * Carries out every stage of the Dockerfile in `scratch` with `contextDir` as the build context,
 * and returns the last stage. `env` is the environment of the RUN steps (the host's PATH, HOME,
 * npm cache…) before the stage's ENV.
 */
export async function buildWithoutDocker(options: {
  dockerfile: string;
  contextDir: string;
  scratch: string;
  env: NodeJS.ProcessEnv;
  log?: StepLog;
}): Promise<BuiltImage> {
  const log = options.log ?? (() => {});
  const stages = parseDockerfile(readFileSync(options.dockerfile, 'utf8'));
  const context = contextFiles(options.contextDir);
  const runs: BuiltImage['runs'] = [];
  let image: BuiltImage | undefined;
  for (const [index, stage] of stages.entries()) {
    const root = join(options.scratch, stage.name ?? `stage-${index}`);
    mkdirSync(root, { recursive: true });
    const inStage = (path: string, base = '/') => join(root, posix.resolve(base, path));
    let workdir = '/';
    const env: Record<string, string> = {};
    let cmd: string[] = [];
    let user: string | undefined;
    const owners: Record<string, string> = {};
    for (const instruction of stage.instructions) {
      log(`[${stage.name ?? index}] ${instruction.keyword} ${instruction.args}`);
      switch (instruction.keyword) {
        case 'WORKDIR':
          workdir = posix.resolve(workdir, instruction.args);
          mkdirSync(inStage(workdir), { recursive: true });
          break;
        case 'ENV': {
          const [, key = '', value = ''] = /^(\w+)[= ](.*)$/.exec(instruction.args) ?? [];
          env[key] = value;
          break;
        }
        case 'USER':
          user = instruction.args;
          break;
        case 'CMD':
          cmd = commandArgv(instruction.args);
          break;
        case 'RUN': {
          const started = Date.now();
          await runShell(commandArgv(instruction.args), inStage(workdir), { ...options.env, ...env }, log);
          runs.push({ command: instruction.args, seconds: Math.round((Date.now() - started) / 100) / 10 });
          break;
        }
        case 'COPY': {
          const words = instruction.args.split(/\s+/);
          const flags = Object.fromEntries(
            words
              .filter((word) => word.startsWith('--'))
              .map((word) => {
                const [, name = '', value = ''] = /^--([a-z-]+)=(.+)$/.exec(word) ?? [];
                // --chmod, --link, --parents... change what lands in the image: refused, not ignored.
                if (name !== 'from' && name !== 'chown')
                  throw new Error(
                    `Dockerfile line ${instruction.line}: COPY ${word} is not carried out by this runner`,
                  );
                return [name, value];
              }),
          ) as { from?: string; chown?: string };
          const from = flags.from;
          const paths = words.filter((word) => !word.startsWith('--'));
          const destination = paths.pop()!;
          const target = inStage(destination, workdir);
          if (flags.chown) owners[posix.resolve(workdir, destination)] = flags.chown;
          const intoFolder = destination.endsWith('/') || destination === '.' || paths.length > 1;
          for (const source of paths) {
            if (from !== undefined) {
              const fromStage = stages.findIndex((candidate, at) => candidate.name === from || String(at) === from);
              if (fromStage < 0) throw new Error(`Dockerfile line ${instruction.line}: no stage ${from}`);
              const sourcePath = join(options.scratch, stages[fromStage]!.name ?? `stage-${fromStage}`, source);
              const to = intoFolder && statSync(sourcePath).isFile() ? join(target, posix.basename(source)) : target;
              cpSync(sourcePath, to, { recursive: true, verbatimSymlinks: true });
            } else {
              const prefix = posix.normalize(source).replace(/^\.\/?/, '');
              const selected = context.filter((path) => !prefix || path === prefix || path.startsWith(`${prefix}/`));
              if (selected.length === 0)
                throw new Error(`Dockerfile line ${instruction.line}: ${source} is not in the context`);
              for (const path of selected) {
                const relativePath =
                  path === prefix ? posix.basename(path) : path.slice(prefix ? prefix.length + 1 : 0);
                const to = path === prefix && !intoFolder ? target : join(target, relativePath);
                mkdirSync(dirname(to), { recursive: true });
                cpSync(join(options.contextDir, path), to);
              }
            }
          }
          break;
        }
        case 'FROM':
          break;
      }
    }
    image = { root, workdir: inStage(workdir), env, cmd, user, owners, runs };
  }
  if (!image) throw new Error(`${options.dockerfile} has no stage`);
  return { ...image, runs };
}
