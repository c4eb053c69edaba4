// Error helpers shared by every validator. They throw a RegistryValidationError that names the field path, the
// offending value and what is expected. Values of secret fields are never printed: only their type and length.
import { RegistryValidationError } from './validation-error';

/** Short, printable description of a non-secret value. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
    return value.length === 0 ? 'an empty string' : JSON.stringify(shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return `an array of ${value.length} item(s)`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** Description of a secret value: never its content, whatever its type. */
export function describeSecret(value: unknown): string {
  if (typeof value === 'string') return value.length === 0 ? 'an empty string' : `a string of ${value.length} character(s) (value hidden)`;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return `a ${typeof value} (value hidden)`;
  return describeValue(value);
}

/**
 * Throws a value of the wrong shape: `<path>: expected <what>, got <value>`. `got` comes from describeValue or
 * describeSecret, or is a fixed text: never a secret's content.
 */
export function invalid(path: string, expected: string, got: string): never {
  throw new RegistryValidationError({ path, expected, got });
}

/** Throws a rule violation that is not about one value's shape: `<path>: <rule>`. */
export function violated(path: string, rule: string): never {
  throw new RegistryValidationError({ path, rule });
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** Rejects keys outside `allowed` (typos such as `imageRepo` would otherwise be ignored silently). */
export function rejectUnknownKeys(path: string, value: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(value).sort()) {
    if (!allowed.includes(key)) {
      violated(`${path}.${key}`, `unknown field; expected one of ${allowed.join(', ')}`);
    }
  }
}

/** An own enumerable property, or undefined (ignores inherited keys such as `toString`). */
export function field(value: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(value, key) ? value[key] : undefined;
}

/** Validates a closed set of case-sensitive strings and suggests the right spelling on a case mismatch. */
export function enumValue<T extends string>(path: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  const hint = typeof value === 'string' ? allowed.find((a) => a.toLowerCase() === value.toLowerCase()) : undefined;
  const list = allowed.map((a) => `"${a}"`).join(' or ');
  return invalid(path, `one of ${list}${hint ? ` (case matters: did you mean "${hint}"?)` : ''}`, describeValue(value));
}

const CONTROL = /[\u0000-\u001f\u007f]/;
/**
 * C1 controls (U+0080–U+009F, NEL included), the line and paragraph separators and the non-characters U+FFFE and
 * U+FFFF: not printable in YAML, or a line break in YAML 1.1. Go's YAML readers refuse a document holding one raw
 * or split the value there, and a username is written into ModuleConfig by cdk8s, whose writer leaves them raw.
 */
const UNPRINTABLE = /[\u0080-\u009f\u2028\u2029\ufffe\uffff]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const codePoint = (c: string) => `U+${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * A non-empty string of well-formed Unicode without control characters (C0, DEL, C1) and line separators
 * (U+0085, U+2028, U+2029): text every YAML, TOML and shell reader keeps as it is.
 */
export function plainString(path: string, value: unknown, what: string, secret = false): string {
  const describe = secret ? describeSecret : describeValue;
  if (typeof value !== 'string' || value.length === 0) return invalid(path, `a non-empty string (${what})`, describe(value));
  if (CONTROL.test(value)) return invalid(path, `${what} without control characters (newlines, tabs, NUL)`, secret ? describeSecret(value) : 'a string with control characters');
  const unprintable = UNPRINTABLE.exec(value);
  if (unprintable !== null) {
    return invalid(path, `${what} without C1 control characters, line separators (U+0085, U+2028, U+2029) or U+FFFE/U+FFFF (YAML readers do not keep them)`,
      secret ? describeSecret(value) : `a string with ${codePoint(unprintable[0])} at character ${unprintable.index + 1}`);
  }
  if (LONE_SURROGATE.test(value)) {
    return invalid(path, `${what} of well-formed Unicode (it would be written as a different value)`, secret ? describeSecret(value) : 'a string with a lone UTF-16 surrogate');
  }
  return value;
}
