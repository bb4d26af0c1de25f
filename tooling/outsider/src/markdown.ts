/** A fenced code block of a README: its info string's first word, the line its code starts on, the code. */
export interface CodeBlock {
  readonly lang: string;
  /** The rest of the info string after the language (`ts compile-only` gives `compile-only`). */
  readonly meta: string;
  /** 1-based line of the first line of code (the line after the opening fence). */
  readonly line: number;
  readonly code: string;
}

const FENCE = /^( {0,3})(`{3,}|~{3,})\s*([^`\s]*)\s*(.*)$/;

/**
 * The fenced code blocks of a CommonMark document, in order. A block closes at a fence of the same character
 * at least as long as the opening one; an unclosed block runs to the end (as CommonMark says).
 */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  let open:
    | { fence: string; indent: number; lang: string; meta: string; line: number; body: string[] }
    | undefined;
  lines.forEach((text, i) => {
    if (open === undefined) {
      const m = FENCE.exec(text);
      if (m) {
        const [, indent = '', fence = '', lang = '', meta = ''] = m;
        open = {
          fence,
          indent: indent.length,
          lang: lang.toLowerCase(),
          meta: meta.trim(),
          line: i + 2,
          body: [],
        };
      }
      return;
    }
    const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(text);
    const fence = close?.[1];
    if (fence !== undefined && fence[0] === open.fence[0] && fence.length >= open.fence.length) {
      blocks.push(finish(open));
      open = undefined;
      return;
    }
    // Content lines lose up to the opening fence's indentation.
    open.body.push(text.replace(new RegExp(`^ {0,${open.indent}}`), ''));
  });
  if (open !== undefined) blocks.push(finish(open));
  return blocks;
}

function finish(open: { lang: string; meta: string; line: number; body: string[] }): CodeBlock {
  return { lang: open.lang, meta: open.meta, line: open.line, code: `${open.body.join('\n')}\n` };
}

/** How an outsider test treats a TypeScript block: run it (the default), or only compile it. */
export type ExampleMode = 'run' | 'compile-only';

/** A README's TypeScript example. */
export interface ReadmeExample extends CodeBlock {
  readonly mode: ExampleMode;
}

/**
 * Every ```ts (or ```typescript) block of a README is an example an outsider may paste: it must compile in a
 * strict NodeNext project and run as written. `ts compile-only` marks one that needs a running cluster or
 * AWS (say why in the README); any other word after `ts` is refused, so a typo cannot switch a check off.
 */
export function readmeExamples(markdown: string): ReadmeExample[] {
  return codeBlocks(markdown)
    .filter((b) => b.lang === 'ts' || b.lang === 'typescript')
    .map((b) => {
      if (b.meta === '') return { ...b, mode: 'run' };
      if (b.meta === 'compile-only') return { ...b, mode: 'compile-only' };
      throw new Error(
        `line ${b.line - 1}: unknown marker "${b.meta}" after \`\`\`${b.lang}: write \`\`\`ts (compiled and run) or \`\`\`ts compile-only`,
      );
    });
}

/** Relative link targets of a Markdown document (`[text](./x.md)`, `[text](docs/y.md#z)`), outside code blocks. */
export function relativeLinks(markdown: string): string[] {
  const inCode = new Set<number>();
  for (const b of codeBlocks(markdown)) {
    const n = b.code.split('\n').length - 1;
    for (let i = b.line - 1; i <= b.line + n; i++) inCode.add(i);
  }
  const links: string[] = [];
  markdown.split('\n').forEach((text, i) => {
    if (inCode.has(i + 1)) return;
    for (const m of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1] ?? '';
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#') || target.startsWith('/')) continue;
      links.push(target.replace(/#.*$/, ''));
    }
  });
  return links;
}
