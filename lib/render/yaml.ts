// YAML text of embedded documents (bashible payload, distribution and docker_auth configs, raw_config, node-config
// Secrets, static pod manifests).
//
// Their readers are Go programs: gopkg.in/yaml.v2 (docker_auth, distribution, Helm, sigs.k8s.io/yaml in
// bashible-apiserver) and gopkg.in/yaml.v3, whose resolvers are neither YAML 1.1 nor YAML 1.2: both read `0o17`,
// `0x1F`, `0b1`, `017`, `09`, `1_000`, `+12` and `.5` as numbers, yaml.v2 reads `y`/`on`/`off` as booleans, yaml.v3
// reads `2001-12-14` as a timestamp. The `yaml` package quotes by its own YAML 1.1 schema, which misses some of
// these (`0o17` is YAML 1.2 only), so the choice of quoting is made here, for every reader at once.
import { Document, visit } from 'yaml';

/** Words that some YAML resolver reads as a boolean, null, infinity, NaN, a merge key or a value key, in any case. */
const RESERVED = new Set([
  '', '~', 'null', 'y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', '<<', '=',
  '.inf', '+.inf', '-.inf', '.nan', 'inf', '+inf', '-inf', 'infinity', '+infinity', '-infinity', 'nan',
]);

/**
 * Starts like a number (optional sign, then a digit, or a dot and a digit) and holds only characters found in
 * numbers of any base and style (hex digits, `0x`/`0o`/`0b`, exponents, `_` separators, `:` sexagesimals) and in
 * timestamps (`-`, `:`, `T`, `Z`, spaces). Deliberately broad: such a string is quoted even when no resolver
 * would take it for a number (`10.0.0.1:5001`), which costs two characters and no reader's guesswork.
 */
const NUMBER_LIKE = /^[-+]?\.?[0-9][0-9A-Za-z_.:+\- \t]*$/;

/**
 * Characters that no YAML reader keeps as they are in an unescaped scalar: C0 controls other than line feed,
 * DEL and the C1 controls (not printable in YAML: Go's readers refuse the document), the line separators NEL,
 * U+2028 and U+2029 (line breaks in YAML 1.1: a value is split or folded), the byte order mark and the
 * non-characters U+FFFE/U+FFFF. Strings holding one are double-quoted, and these characters escaped.
 */
const NEEDS_ESCAPE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/;
const ESCAPED_BY_US = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;
const NAMED_ESCAPES: Record<string, string> = { '\u0085': '\\N', '\u2028': '\\L', '\u2029': '\\P' };

/** Whether a string must be quoted so that YAML 1.1, YAML 1.2, yaml.v2 and yaml.v3 all read it as that string. */
export function yamlNeedsQuotes(s: string): boolean {
  return RESERVED.has(s.toLowerCase()) || NUMBER_LIKE.test(s) || NEEDS_ESCAPE.test(s);
}

function escapeChar(c: string): string {
  const named = NAMED_ESCAPES[c];
  if (named !== undefined) return named;
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Block-style YAML 1.1 (as cdk8s writes manifests), keys in insertion order, no line folding, no anchors. Every
 * string that `yamlNeedsQuotes` flags, key or value, is double-quoted.
 */
export function toYaml(value: unknown): string {
  const doc = new Document(value, { version: '1.1', aliasDuplicateObjects: false });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && yamlNeedsQuotes(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  // The `yaml` package escapes C0 controls in double-quoted scalars but writes the characters of ESCAPED_BY_US
  // as they are. Every string holding one was double-quoted above, and a document has no text outside its
  // scalars that could hold one, so each occurrence in the output is inside a double-quoted scalar, where YAML
  // escapes (`\N`, `\L`, `\P`, `\xHH`, `\uHHHH`) mean the character itself.
  return doc.toString({ lineWidth: 0 }).replace(ESCAPED_BY_US, escapeChar);
}
