import { describe, expect, test } from 'vitest';
import { type PackedManifest, packageProblems, relativeSpecifiers } from './package-rules.js';

const good: PackedManifest = {
  name: '@pgha/x',
  version: '1.0.0',
  engines: { node: '>=20.19' },
  exports: {
    '.': { types: './dist/index.d.ts', default: './dist/index.js' },
    './package.json': './package.json',
  },
  main: './dist/index.js',
  types: './dist/index.d.ts',
  bin: { x: './bin/x.js' },
  dependencies: { '@pgha/y': '1.0.0' },
  peerDependencies: { cdktf: '^0.21.0' },
};
const source: PackedManifest = { ...good, scripts: { prepack: 'sh ../../tooling/turbo.sh run build' } };
const goodFiles: Record<string, string> = {
  'package.json': '{}',
  'README.md': '# x\n\nSee [the license](LICENSE).\n',
  LICENSE: 'Apache',
  'dist/index.js': 'export const a = 1;\n//# sourceMappingURL=index.js.map',
  'dist/index.js.map': JSON.stringify({ version: 3, sources: ['../src/index.ts'], mappings: '' }),
  'dist/index.d.ts': 'export declare const a = 1;',
  'src/index.ts': 'export const a = 1;',
  'bin/x.js': "#!/usr/bin/env node\nconst cli = new URL('../dist/index.js', import.meta.url);\n",
};

function check(manifest: PackedManifest, files: Record<string, string>, src: PackedManifest = source) {
  return packageProblems({
    manifest,
    source: src,
    files: new Set(Object.keys(files)),
    read: (f) => {
      const text = files[f];
      if (text === undefined) throw new Error(`no ${f}`);
      return text;
    },
  });
}

test('a well-formed package has no problems', () => {
  expect(check(good, goodFiles)).toEqual([]);
});

describe('each rule catches what an outsider would trip over', () => {
  test.each<[string, PackedManifest, Record<string, string>, PackedManifest, RegExp]>([
    ['no prepack build', good, goodFiles, { ...good, scripts: {} }, /prepack does not build/],
    [
      'workspace: left in',
      { ...good, dependencies: { '@pgha/y': 'workspace:*' } },
      goodFiles,
      source,
      /workspace:/,
    ],
    [
      'exact peer pin',
      { ...good, peerDependencies: { cdktf: '0.21.0' } },
      goodFiles,
      source,
      /exact version/,
    ],
    [
      'import-only exports',
      { ...good, exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } } },
      goodFiles,
      source,
      /no "default" condition/,
    ],
    [
      'types not first',
      { ...good, exports: { '.': { default: './dist/index.js', types: './dist/index.d.ts' } } },
      goodFiles,
      source,
      /"types" first/,
    ],
    ['missing LICENSE', good, { ...goodFiles, LICENSE: undefined as unknown as string }, source, /LICENSE/],
    [
      'empty package (no dist)',
      good,
      without(goodFiles, 'dist/'),
      source,
      /names \.\/dist\/index\.js, which is not/,
    ],
    ['map to unshipped source', good, without(goodFiles, 'src/'), source, /maps to \.\.\/src\/index\.ts/],
    [
      'bin loads a missing file',
      good,
      without(goodFiles, 'dist/index.js'),
      source,
      /bin \.\/bin\/x\.js loads/,
    ],
    [
      'README link into the monorepo',
      good,
      { ...goodFiles, 'README.md': 'see [example](../../examples/aws-stack.ts)' },
      source,
      /README\.md links to/,
    ],
    ['no engines', { ...good, engines: {} }, goodFiles, source, /engines\.node/],
  ])('%s', (_, manifest, files, src, expected) => {
    const clean = Object.fromEntries(Object.entries(files).filter(([, v]) => v !== undefined));
    expect(check(manifest, clean, src).join('\n')).toMatch(expected);
  });

  test('an embedded source (sourcesContent) needs no shipped file', () => {
    const files = without(goodFiles, 'src/');
    files['dist/index.js.map'] = JSON.stringify({ sources: ['../src/index.ts'], sourcesContent: ['x'] });
    expect(check(good, files)).toEqual([]);
  });
});

function without(files: Record<string, string>, prefix: string): Record<string, string> {
  return Object.fromEntries(Object.entries(files).filter(([f]) => !f.startsWith(prefix)));
}

test('relativeSpecifiers: static, dynamic and URL imports; bare names ignored', () => {
  const src = [
    "import { a } from './a.js';",
    "export * from '../b.js';",
    "const c = await import('./c.js');",
    "const d = new URL('../dist/d.js', import.meta.url);",
    "import pg from 'pg';",
  ].join('\n');
  expect(relativeSpecifiers(src).sort()).toEqual(['../b.js', '../dist/d.js', './a.js', './c.js']);
});
