// The shape of the code, read from its imports with TypeScript's own parser, so that it stays: front
// doors (web, admin, cli) over the pairs layer over persistence and the Temporal client; workflows
// on nothing but types; tooling (harness) only under tests, the benchmark, the fault suite and
// tools. A forbidden import fails here with the file and the import that broke the rule.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import ts from 'typescript';

const REPO = join(__dirname, '..');
const SKIPPED = new Set(['node_modules', 'generated', 'dist', 'data', '.git', '.test-results', 'coverage']);

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIPPED.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Whether an import brings in types only: `import type`, or every named import marked `type`. */
function isTypeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) return node.isTypeOnly;
  const clause = node.importClause;
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return (
    clause.name === undefined &&
    bindings !== undefined &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((element) => element.isTypeOnly)
  );
}

function importsOf(file: string): Import[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false);
  const from = relative(REPO, file).split(sep).join('/');
  const found: Import[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const specifier = node.moduleSpecifier.text;
      if (specifier.startsWith('.')) {
        const to = normalize(join(dirname(from), specifier))
          .split(sep)
          .join('/');
        found.push({ from, to, typeOnly: isTypeOnly(node) });
      }
    }
    // Dynamic imports and require() count as value imports.
    if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0])) {
      const callee = node.expression;
      const dynamic = callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require');
      const specifier = node.arguments[0].text;
      if (dynamic && specifier.startsWith('.'))
        found.push({
          from,
          to: normalize(join(dirname(from), specifier))
            .split(sep)
            .join('/'),
          typeOnly: false,
        });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const folderOf = (path: string) => path.split('/')[0];

const FRONT_DOORS = ['web', 'admin', 'cli', 'http', 'server'];
const PROCESSES = ['worker', 'local'];
const TOOLING = ['test', 'bench', 'faults', 'tools', 'harness'];

interface Rule {
  name: string;
  /** Whether a value import from `from` to `to` breaks the rule. */
  breaks(from: string, to: string): boolean;
}

const RULES: Rule[] = [
  { name: 'workflows import nothing but workflows (and types)', breaks: (from, to) => folderOf(from) === 'workflows' && folderOf(to) !== 'workflows' },
  {
    name: 'web and admin never import each other',
    breaks: (from, to) => (folderOf(from) === 'web' && folderOf(to) === 'admin') || (folderOf(from) === 'admin' && folderOf(to) === 'web'),
  },
  {
    name: 'only the server assembles the front doors; the CLI imports neither web nor admin',
    breaks: (from, to) => ['web', 'admin'].includes(folderOf(to)) && !['server', 'web', 'admin', ...TOOLING].includes(folderOf(from)),
  },
  {
    name: 'front doors never reach into activities, the worker or the local stack',
    breaks: (from, to) => FRONT_DOORS.includes(folderOf(from)) && ['activities', ...PROCESSES].includes(folderOf(to)),
  },
  {
    name: 'the pairs layer never imports a front door, an activity, a process or tooling',
    breaks: (from, to) => folderOf(from) === 'pairs' && [...FRONT_DOORS, 'activities', ...PROCESSES, ...TOOLING].includes(folderOf(to)),
  },
  {
    name: 'activities never import a front door, a process or tooling',
    breaks: (from, to) => folderOf(from) === 'activities' && [...FRONT_DOORS, ...PROCESSES, ...TOOLING].includes(folderOf(to)),
  },
  {
    name: 'persistence, question sets, configuration and the Temporal client sit below the pairs layer',
    breaks: (from, to) =>
      ['prisma', 'question-sets', 'config', 'temporal'].includes(folderOf(from)) &&
      ['pairs', 'activities', ...FRONT_DOORS, ...PROCESSES].includes(folderOf(to)),
  },
  {
    // The migration tooling starts a throwaway PostgreSQL like the tests do.
    name: 'production code never imports the test harness',
    breaks: (from, to) => ['harness', 'test'].includes(folderOf(to)) && !TOOLING.includes(folderOf(from)) && from !== 'prisma/shadow-database.ts',
  },
  { name: 'nothing but the tests imports a test file', breaks: (from, to) => folderOf(to) === 'test' && folderOf(from) !== 'test' },
];

const everyImport = sourceFiles(REPO).flatMap(importsOf);

it('reads the imports of every source file', () => {
  expect(everyImport.length).toBeGreaterThan(300);
  expect(everyImport).toContainEqual({ from: 'workflows/pair-workflow.ts', to: 'activities', typeOnly: true });
});

it.each(RULES.map((rule) => [rule.name, rule] as const))('%s', (_name, rule) => {
  const broken = everyImport.filter((edge) => !edge.typeOnly && rule.breaks(edge.from, edge.to)).map((edge) => `${edge.from} imports ${edge.to}`);
  expect(broken).toEqual([]);
});

it('has no import cycle between folders of production code', () => {
  const production = everyImport.filter((edge) => !edge.typeOnly && !TOOLING.includes(folderOf(edge.from)) && folderOf(edge.from) !== folderOf(edge.to));
  const next = new Map<string, Set<string>>();
  for (const edge of production) next.set(folderOf(edge.from), (next.get(folderOf(edge.from)) ?? new Set()).add(folderOf(edge.to)));
  const cycles: string[] = [];
  const visiting: string[] = [];
  const done = new Set<string>();
  const walk = (folder: string) => {
    if (done.has(folder)) return;
    const at = visiting.indexOf(folder);
    if (at >= 0) {
      cycles.push([...visiting.slice(at), folder].join(' → '));
      return;
    }
    visiting.push(folder);
    for (const to of next.get(folder) ?? []) walk(to);
    visiting.pop();
    done.add(folder);
  };
  for (const folder of next.keys()) walk(folder);
  expect(cycles).toEqual([]);
});
