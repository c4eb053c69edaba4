// YAML reading for input files: errors name the file, the line and the field, never a value from the source
// (a parse error sits next to whatever the user typed, which may be a password or a licence key).
import { Alias, Document, isAlias, isPair, isScalar, isSeq, LineCounter, Node, visit } from 'yaml';

/** Plain-language descriptions of the yaml library's error codes; the library's own messages quote the source. */
const DESCRIPTIONS: Record<string, string> = {
  ALIAS_PROPS: 'an alias (*name) cannot carry a tag or an anchor',
  BAD_ALIAS: 'an alias (*name) that refers to no anchor; if the value is text starting with "*", quote it',
  BAD_DIRECTIVE: 'an unknown or malformed % directive',
  BAD_DQ_ESCAPE: 'an invalid escape sequence in a double-quoted string; use single quotes for text with backslashes',
  BAD_INDENT: 'bad indentation, or an unclosed [ or {',
  BAD_PROP_ORDER: 'an anchor (&) or tag (!) in the wrong place',
  BAD_SCALAR_START: 'a plain value that starts with a reserved character (@ or `); quote the value',
  BLOCK_AS_IMPLICIT_KEY: 'a nested mapping where a value was expected; if the value contains ": ", quote it',
  BLOCK_IN_FLOW: 'block syntax inside [ ] or { }',
  DUPLICATE_KEY: 'a key that appears twice in the same mapping',
  IMPOSSIBLE: 'a structure the YAML parser cannot read',
  KEY_OVER_1024_CHARS: 'a key longer than 1024 characters',
  MISSING_CHAR: 'a missing character (an unclosed quote, bracket or brace)',
  MULTILINE_IMPLICIT_KEY: 'a key that spans several lines; quote values that contain ": " or start a new line with the right indentation',
  MULTIPLE_ANCHORS: 'a node with several anchors',
  MULTIPLE_DOCS: 'several documents where one was expected',
  MULTIPLE_TAGS: 'a node with several tags',
  TAB_AS_INDENT: 'a tab used for indentation; indent with spaces',
  TAG_RESOLVE_FAILED: 'a tag (!name) that cannot be resolved',
  UNEXPECTED_TOKEN: 'unexpected characters; a block scalar header (| or >) takes only indentation and chomping indicators, and values starting with |, >, %, @ or ` need quotes',
};

/** `a.b[2].c` of the deepest mapping entry or sequence item around `offset` (empty when it is at the top). */
export function fieldPathAt(doc: Document, lines: LineCounter, offset: number): string {
  let best: { depth: number; path: string } | undefined;
  const line = lines.linePos(offset).line;
  const nameOf = (chain: readonly unknown[]): string => {
    let out = '';
    for (let i = 0; i < chain.length; i++) {
      const n = chain[i];
      if (isPair(n) && isScalar(n.key)) out += `${out === '' ? '' : '.'}${String(n.key.value)}`;
      else if (isSeq(n) && i + 1 < chain.length) out += `[${n.items.indexOf(chain[i + 1] as never)}]`;
    }
    return out;
  };
  visit(doc, {
    Pair(_key, pair, ancestors) {
      const key = pair.key as Node | null;
      const start = key?.range?.[0];
      if (start === undefined || start > offset) return;
      const value = pair.value as Node | null;
      const end = value?.range?.[2] ?? key?.range?.[2] ?? start;
      const sameLine = lines.linePos(start).line === line;
      if (offset <= end || sameLine) {
        const depth = ancestors.length;
        if (best === undefined || depth >= best.depth) best = { depth, path: nameOf([...ancestors, pair]) };
      }
    },
  });
  return best?.path ?? '';
}

/** `file:line:col: field: invalid YAML: <description>` for the first error of a document, without source text. */
export function yamlErrorMessage(file: string, doc: Document, lines: LineCounter, err: { code: string; pos: [number, number] }, prefix = ''): string {
  const pos = lines.linePos(err.pos[0]);
  const field = fieldPathAt(doc, lines, err.pos[0]);
  const where = field === '' ? '' : `${prefix}${field}: `;
  return `${file}:${pos.line}:${pos.col}: ${where}invalid YAML: ${DESCRIPTIONS[err.code] ?? `a syntax error (${err.code})`}`;
}

/** The longest a document may grow through aliases, in nodes (the yaml library's own default guard is 100). */
const MAX_ALIAS_COUNT = 100;

/**
 * `doc.toJS()`, with alias failures (an undefined anchor, a "billion laughs" bomb) turned into an error that names
 * the file, the line and the field of the alias, and nothing of its text.
 */
export function toJsSafely(file: string, doc: Document, lines: LineCounter, prefix = ''): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    const message = (e as Error).message;
    const bomb = /resource exhaustion|alias count/i.test(message);
    const anchors = new Set<string>();
    let found: Alias | undefined;
    visit(doc, {
      Node(_key, node) {
        if (found !== undefined) return visit.BREAK;
        if (isAlias(node)) {
          if (bomb || !anchors.has(node.source)) found = node;
        } else if ((node as { anchor?: string }).anchor !== undefined) anchors.add((node as { anchor: string }).anchor);
        return undefined;
      },
    });
    const offset = found?.range?.[0];
    const at = offset === undefined ? `${file}` : `${file}:${lines.linePos(offset).line}:${lines.linePos(offset).col}`;
    const field = offset === undefined ? '' : fieldPathAt(doc, lines, offset);
    const where = field === '' ? '' : `${prefix}${field}: `;
    const what = bomb
      ? `aliases expand to too many nodes (more than ${MAX_ALIAS_COUNT} alias expansions: a "billion laughs" document?)`
      : e instanceof ReferenceError ? DESCRIPTIONS.BAD_ALIAS : 'the document cannot be read';
    throw new Error(`${at}: ${where}invalid YAML: ${what}`);
  }
}

