// Generators of hostile credentials, shared by test/hostile.test.ts (which renders them and checks the output
// differentially and under bash) and test/go-reader.test.ts (which has Go's readers decode the same corpus).
import fc from 'fast-check';

/** What the validators reject (lib/settings/_errors.ts plainString): C0, DEL, C1, line separators, U+FFFE/U+FFFF. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufffe\uffff]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Pieces that hostile strings are built from: shell, YAML and TOML syntax, escapes, unicode (line separators and
 * C1 controls included), and words that YAML resolvers read as something else than a string. `canary` is a file
 * path the shell would create if a value were ever evaluated.
 */
export function hostilePieces(canary: string, canaryName: string): string[] {
  return [
    '"', "'", '`', '\\', '\\n', '\\"', "\\'", '\\u0000', '\\x00', '$', '$(', ')', '${', '}', '$((1+1))', '$HOME', '${IFS}',
    `$(touch ${canary})`, `\`touch ${canary}\``, `'; touch ${canary}; '`, `"; touch ${canary}; echo "`, `$(touch ${canaryName})`,
    '|', '&', ';', '&&', '>', '<', '*', '?', '#', '!', '%', '@', '=', '[', ']', '{', '}', ',', ':', ': ', ' #', ' ', '  ',
    '- ', '? ', '&anchor', '*alias', '!!binary', '!tag', '<<', '---', '...', '%YAML 1.1', '"""', "'''", '[host]', 'a = "b"',
    'é', 'ß', 'Ω', '中文', '😀', '👩‍👩‍👧', '\u200b', '\uFEFF', '\u2028', '\u2029', '\u0085', '\u0080', '\u009f', '\u00a0', '\u202e',
    'null', 'true', 'yes', 'on', 'Off', 'y', 'N', '~', '0x1F', '0o17', '0b1', '017', '09', '+12', '.5', '1e3', '1_000', '1:20',
    '2001-12-14', '.inf', '.NaN', '0', '1', '.', 'a', 'Z', 'e', '-', '_', '/', '%s', '%n',
    '{{ .Values.x }}', '<script>', 'EOF', "EOF'", 'password', 'license-token',
  ];
}

/** Strips what the validators reject (control characters, line separators) and what is not text (lone surrogates). */
export const sanitize = (s: string): string => s.replace(new RegExp(CONTROL.source, 'g'), '').replace(LONE_SURROGATE, '');

export type Creds = { license: string } | { username: string; password: string };

export interface HostileArbitraries {
  readonly hostile: fc.Arbitrary<string>;
  readonly hostileUsername: fc.Arbitrary<string>;
  readonly creds: fc.Arbitrary<Creds>;
}

export function hostileArbitraries(canary: string, canaryName: string): HostileArbitraries {
  const pieces = hostilePieces(canary, canaryName);
  const hostile: fc.Arbitrary<string> = fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: fc.constantFrom(...pieces), minLength: 1, maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...pieces), minLength: 300, maxLength: 900 }) }, // a few KB
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }) },
    { weight: 1, arbitrary: fc.constantFrom(...pieces) },
  ).map(sanitize).filter((s) => s.length > 0);
  // no ':' (basic auth splits on it) and not "<<" (a YAML merge key even when quoted): the validators refuse both
  const hostileUsername = hostile.map((s) => s.replace(/:/g, '')).filter((s) => s.length > 0 && s !== '<<');
  const creds: fc.Arbitrary<Creds> = fc.oneof(
    fc.record({ license: hostile }),
    fc.record({ username: hostileUsername, password: hostile }),
  );
  return { hostile, hostileUsername, creds };
}

/** The username and password a render carries for these credentials (a license is `license-token`'s password). */
export const credsOf = (c: Creds): { username: string; password: string } => ('license' in c ? { username: 'license-token', password: c.license } : c);
