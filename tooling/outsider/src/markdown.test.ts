import { describe, expect, test } from 'vitest';
import { codeBlocks, readmeExamples, relativeLinks } from './markdown.js';

const doc = [
  '# pkg', //  1
  '', //  2
  '```sh', //  3
  'npm install pkg', //  4
  '```', //  5
  '', //  6
  '```ts', //  7
  "import { a } from 'pkg';", //  8
  '```', //  9
  '', // 10
  '````md', // 11
  '```ts', // 12
  'not an example: inside a longer fence', // 13
  '```', // 14
  '````', // 15
  '', // 16
  '~~~typescript compile-only', // 17
  'await connect();', // 18
  '~~~', // 19
  'See [the guide](docs/guide.md#setup), [npm](https://npmjs.com), [top](#pkg).', // 20
].join('\n');

describe('codeBlocks', () => {
  test('finds every fenced block with its language, marker and first code line; nested fences stay inside', () => {
    expect(codeBlocks(doc).map((b) => [b.lang, b.meta, b.line])).toEqual([
      ['sh', '', 4],
      ['ts', '', 8],
      ['md', '', 12],
      ['typescript', 'compile-only', 18],
    ]);
    expect(codeBlocks(doc)[2]?.code).toBe('```ts\nnot an example: inside a longer fence\n```\n');
  });

  test('an unclosed block runs to the end', () => {
    expect(codeBlocks('```ts\nconst x = 1;\n')).toEqual([
      { lang: 'ts', meta: '', line: 2, code: 'const x = 1;\n\n' },
    ]);
  });
});

describe('readmeExamples', () => {
  test('every ts block is an example to run unless marked compile-only', () => {
    expect(readmeExamples(doc).map((e) => [e.line, e.mode, e.code])).toEqual([
      [8, 'run', "import { a } from 'pkg';\n"],
      [18, 'compile-only', 'await connect();\n'],
    ]);
  });

  test('an unknown marker is refused, so a typo cannot switch the check off', () => {
    expect(() => readmeExamples('```ts compileonly\nx\n```\n')).toThrow(/unknown marker "compileonly"/);
  });
});

test('relativeLinks: relative targets outside code, without anchors; URLs and anchors skipped', () => {
  expect(relativeLinks(doc)).toEqual(['docs/guide.md']);
  expect(relativeLinks('```md\n[x](inside.md)\n```\n[y](../up.md)')).toEqual(['../up.md']);
});
