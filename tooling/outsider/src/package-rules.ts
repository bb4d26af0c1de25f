import { posix } from 'node:path';
import { relativeLinks } from './markdown.js';

/** The parts of a packed package.json these rules read. */
export interface PackedManifest {
  readonly name: string;
  readonly version?: string;
  readonly exports?: unknown;
  readonly main?: string;
  readonly types?: string;
  readonly bin?: string | Readonly<Record<string, string>>;
  readonly engines?: Readonly<Record<string, string>>;
  readonly scripts?: Readonly<Record<string, string>>;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
}

/** A packed package as the rules see it: its manifest, its files (POSIX paths under `package/`) and a reader. */
export interface PackedPackage {
  readonly manifest: PackedManifest;
  /** The workspace's package.json it was packed from (pnpm drops `prepack` from the packed one). */
  readonly source: PackedManifest;
  readonly files: ReadonlySet<string>;
  readonly read: (file: string) => string;
}

const DEPENDENCY_FIELDS = [
  'dependencies',
  'peerDependencies',
  'optionalDependencies',
  'devDependencies',
] as const;

/**
 * What an outsider installing this tarball would trip over, one line per problem (docs/publishing.md lists
 * the rules and why). An empty list means the package is fit to publish.
 */
export function packageProblems(pkg: PackedPackage): string[] {
  const { manifest: m, files } = pkg;
  const problems: string[] = [];
  const has = (path: string) => files.has(posix.normalize(path.replace(/^\.\//, '')));

  for (const f of ['package.json', 'README.md', 'LICENSE']) {
    if (!files.has(f)) problems.push(`${f} is not in the tarball`);
  }
  if (!m.engines?.node) problems.push('engines.node is missing (say which Node the package needs)');
  if (!/\bbuild\b/.test(pkg.source.scripts?.prepack ?? '')) {
    problems.push(
      'scripts.prepack does not build: packing an unbuilt checkout would ship no dist/ (run the build, with its dependencies, in prepack)',
    );
  }

  for (const field of DEPENDENCY_FIELDS) {
    for (const [dep, spec] of Object.entries(m[field] ?? {})) {
      if (spec.startsWith('workspace:')) {
        problems.push(`${field}.${dep} is "${spec}": pack with pnpm, which rewrites the workspace: protocol`);
      }
    }
  }
  for (const [dep, spec] of Object.entries(m.peerDependencies ?? {})) {
    if (/^=?\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec.trim())) {
      problems.push(
        `peerDependencies.${dep} is the exact version "${spec}": npm fails (ERESOLVE) for every other version; give the range that works (docs/publishing.md)`,
      );
    }
  }

  const root =
    m.exports && typeof m.exports === 'object' ? (m.exports as Record<string, unknown>)['.'] : undefined;
  if (root === undefined || root === null || typeof root !== 'object') {
    problems.push('exports["."] is missing or not a conditions object');
  } else {
    const conditions = Object.keys(root);
    if (conditions[0] !== 'types')
      problems.push(`exports["."] must list "types" first (has ${conditions.join(', ')})`);
    if (!conditions.includes('default')) {
      problems.push(
        `exports["."] has no "default" condition (has ${conditions.join(', ')}): require() from CommonJS fails with ERR_PACKAGE_PATH_NOT_EXPORTED`,
      );
    }
  }
  for (const [where, target] of exportTargets(m)) {
    if (!has(target)) problems.push(`${where} names ${target}, which is not in the tarball`);
  }

  for (const file of files) {
    if (file.endsWith('.map')) problems.push(...sourceMapProblems(file, pkg));
    else if (/\.(c|m)?js$|\.d\.(c|m)?ts$/.test(file)) {
      const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(pkg.read(file))?.[1];
      if (url !== undefined && !url.startsWith('data:') && !has(posix.join(posix.dirname(file), url))) {
        problems.push(`${file} points at the source map ${url}, which is not in the tarball`);
      }
    }
  }

  for (const [, bin] of binEntries(m)) {
    if (!has(bin)) continue;
    for (const spec of relativeSpecifiers(pkg.read(posix.normalize(bin.replace(/^\.\//, ''))))) {
      const target = posix.join(posix.dirname(posix.normalize(bin)), spec);
      if (!has(target)) problems.push(`bin ${bin} loads ${spec}, which is not in the tarball`);
    }
  }

  if (files.has('README.md')) {
    for (const link of relativeLinks(pkg.read('README.md'))) {
      if (link !== '' && !has(link)) {
        problems.push(
          `README.md links to ${link}, which is not in the tarball (link to the repository instead)`,
        );
      }
    }
  }
  return problems;
}

function sourceMapProblems(file: string, pkg: PackedPackage): string[] {
  let map: { sources?: unknown; sourceRoot?: unknown; sourcesContent?: unknown };
  try {
    map = JSON.parse(pkg.read(file)) as typeof map;
  } catch {
    return [`${file} is not JSON`];
  }
  const sources = Array.isArray(map.sources) ? (map.sources as unknown[]) : [];
  const embedded = Array.isArray(map.sourcesContent) ? (map.sourcesContent as unknown[]) : [];
  const base = posix.join(posix.dirname(file), typeof map.sourceRoot === 'string' ? map.sourceRoot : '');
  return sources.flatMap((source, i) => {
    if (typeof embedded[i] === 'string') return [];
    const path = posix.join(base, String(source));
    return pkg.files.has(path)
      ? []
      : [
          `${file} maps to ${String(source)}, which is neither shipped (${path}) nor embedded (sourcesContent)`,
        ];
  });
}

/** Every file path the manifest promises: exports targets, main, types and bin, with where each is named. */
export function exportTargets(m: PackedManifest): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const walk = (value: unknown, where: string) => {
    if (typeof value === 'string') {
      if (!value.includes('*')) out.push([where, value]);
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, `${where}["${k}"]`);
    }
  };
  walk(m.exports, 'exports');
  if (m.main) out.push(['main', m.main]);
  if (m.types) out.push(['types', m.types]);
  for (const [name, path] of binEntries(m)) out.push([`bin.${name}`, path]);
  return out;
}

function binEntries(m: PackedManifest): Array<[string, string]> {
  if (typeof m.bin === 'string') return [[m.name.replace(/^@[^/]+\//, ''), m.bin]];
  return Object.entries(m.bin ?? {});
}

/** Relative module specifiers a script loads: static imports, dynamic imports and `new URL('./x', import.meta.url)`. */
export function relativeSpecifiers(source: string): string[] {
  const found = new Set<string>();
  const patterns = [
    /\b(?:import|export)\s[^'"]*?from\s*['"](\.\.?\/[^'"]+)['"]/g,
    /\bimport\s*\(\s*['"](\.\.?\/[^'"]+)['"]\s*\)/g,
    /\bnew URL\(\s*['"](\.\.?\/[^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) if (m[1]) found.add(m[1]);
  return [...found];
}
