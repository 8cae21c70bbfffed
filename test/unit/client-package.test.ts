/**
 * The installable client package's manifest (packages/client/package.json) against its code,
 * without building it: the modules the package runs are the ones its `files` ship, every package
 * they import is a declared dependency (at the repository's exact version), and nothing else is.
 * test/integration/client-package.test.ts packs, installs and uses it for real.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '..', '..');
const PACKAGE_DIR = join(ROOT, 'packages', 'client');

interface Manifest {
  name: string;
  version: string;
  main: string;
  types: string;
  bin: Record<string, string>;
  files: string[];
  dependencies: Record<string, string>;
  devDependencies?: Record<string, string>;
  private?: boolean;
}

const manifest = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as Manifest;
const rootManifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
const tsconfig = JSON.parse(readFileSync(join(PACKAGE_DIR, 'tsconfig.json'), 'utf8')) as { files: string[] };

interface Imports {
  /** Relative modules needed at run time (type-only imports left out: tsc erases them). */
  runtime: string[];
  /** Relative modules loaded by path (`require.resolve`), which tsc does not follow. */
  byPath: string[];
  /** Every package name imported, types included (the .d.ts files import them too). */
  packages: string[];
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function importsOf(file: string): Imports {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const runtime: string[] = [];
  const byPath: string[] = [];
  const packages: string[] = [];
  const add = (specifier: string, typeOnly: boolean, loadedByPath = false) => {
    if (specifier.startsWith('.')) {
      if (loadedByPath) byPath.push(specifier);
      else if (!typeOnly) runtime.push(specifier);
    } else if (!specifier.startsWith('node:')) {
      packages.push(packageName(specifier));
    }
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const allTypes =
        !!clause &&
        (clause.phaseModifier === ts.SyntaxKind.TypeKeyword ||
          (!clause.name &&
            !!named &&
            ts.isNamedImports(named) &&
            named.elements.every((element) => element.isTypeOnly)));
      add(node.moduleSpecifier.text, allTypes);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly);
    } else if (
      ts.isCallExpression(node) &&
      node.arguments.length === 1 &&
      ts.isStringLiteral(node.arguments[0]!) &&
      /^require(\.resolve)?$/.test(node.expression.getText(source))
    ) {
      add(node.arguments[0].text, false, node.expression.getText(source) === 'require.resolve');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { runtime, byPath, packages };
}

/** The package's modules reached at run time from its entry points (tsconfig `files`), as repo paths. */
function runtimeClosure(): { modules: string[]; imported: Set<string>; byPath: Set<string>; packages: Set<string> } {
  const seen = new Set<string>();
  const imported = new Set<string>();
  const byPath = new Set<string>();
  const packages = new Set<string>();
  const queue = tsconfig.files.map((file) => join(PACKAGE_DIR, file));
  for (let file = queue.shift(); file; file = queue.shift()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const imports = importsOf(file);
    imports.packages.forEach((name) => packages.add(name));
    for (const specifier of imports.runtime) {
      const target = `${join(dirname(file), specifier)}.ts`;
      imported.add(relative(ROOT, target));
      queue.push(target);
    }
    for (const specifier of imports.byPath) {
      const target = `${join(dirname(file), specifier)}.ts`;
      byPath.add(relative(ROOT, target));
      queue.push(target);
    }
  }
  return { modules: [...seen].map((file) => relative(ROOT, file)).sort(), imported, byPath, packages };
}

describe('packages/client/package.json', () => {
  const closure = runtimeClosure();

  it('is a publishable package (not private) with the repository version, entry points in lib/ and a kyc bin', () => {
    expect(manifest.private).toBeUndefined();
    expect(manifest.version).toBe(rootManifest.version);
    expect(manifest.main).toBe('lib/client/index.js');
    expect(manifest.types).toBe('lib/client/index.d.ts');
    expect(manifest.bin).toEqual({ kyc: 'lib/client/cli.js' });
  });

  it('ships every module its entry points reach at run time', () => {
    expect(closure.modules).toEqual(expect.arrayContaining(['client/index.ts', 'common/failure-converter.ts']));
    const shipped = (module: string) => manifest.files.some((folder) => `lib/${module}`.startsWith(`${folder}/`));
    expect(closure.modules.filter((module) => !shipped(module))).toEqual([]);
  });

  it('compiles every module loaded by path (tsc follows imports, not require.resolve)', () => {
    const entryPoints = new Set(tsconfig.files.map((file) => relative(ROOT, join(PACKAGE_DIR, file))));
    expect(closure.byPath).toContain('common/failure-converter.ts');
    const notCompiled = [...closure.byPath].filter(
      (module) => !closure.imported.has(module) && !entryPoints.has(module),
    );
    expect(notCompiled).toEqual([]);
  });

  it('declares exactly the packages its code imports, at the versions the repository pins', () => {
    expect(Object.keys(manifest.dependencies).sort()).toEqual([...closure.packages].sort());
    for (const [name, version] of Object.entries(manifest.dependencies)) {
      expect({ name, version }).toEqual({ name, version: rootManifest.dependencies[name] });
    }
    expect(manifest.devDependencies).toBeUndefined();
  });

  it('keeps the worker, the simulators and the build tools out of the client', () => {
    expect(closure.modules.filter((module) => !/^(client|contracts|common)\//.test(module))).toEqual([]);
    for (const name of ['@temporalio/worker', 'fastify', 'jose', 'tsx']) expect(closure.packages.has(name)).toBe(false);
  });
});
