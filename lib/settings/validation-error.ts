// The error every validator throws for bad input. Callers that add context (the ModuleConfig reader, the command
// line) read its fields instead of parsing its message, so the message text is for people, not a protocol.

/** What a {@link RegistryValidationError} is made of; see its fields. */
export interface RegistryValidationErrorDetails {
  /** The field path, e.g. `registry.direct.imagesRepo` or `nodeGroups[1].cri`. */
  readonly path: string;
  /**
   * What the field should hold; give it with `got`, or give `rule` instead.
   * @default - none: a broken `rule`
   */
  readonly expected?: string;
  /**
   * A description of the value found, never a secret's content; given with `expected`.
   * @default - none: a broken `rule`
   */
  readonly got?: string;
  /**
   * The rule the input breaks, for a problem that is not one value's shape; given without `expected` and `got`.
   * @default - none: a value of the wrong shape (`expected`, `got`)
   */
  readonly rule?: string;
  /**
   * The file the input was read from.
   * @default - not read from a file
   */
  readonly file?: string;
  /**
   * The line of the field in `file` (1-based).
   * @default - unknown
   */
  readonly line?: number;
}

/**
 * Bad input: thrown when a setting or prop is invalid (by `RegistryMode` factories, `RegistrySettings.fromModuleConfig`
 * and the constructs). Catch it with `instanceof RegistryValidationError` and read the fields rather than the message:
 *
 * - a value of the wrong shape has `expected` and `got`, and the message `<path>: expected <expected>, got <got>`;
 * - a broken rule (a missing section, a duplicate, two fields that exclude each other, …) has `rule`, and the message
 *   `<path>: <rule>`;
 * - read from a file, the message starts with `<file>:<line>: `.
 *
 * No field ever holds the value of a secret (password, licence key, private key, HTTP secret): `got` describes such
 * a value by its type and length only.
 *
 * TypeScript and JavaScript only: jsii cannot represent a subclass of `Error`, so other languages see the message
 * of a plain error.
 *
 * @jsii ignore
 */
export class RegistryValidationError extends Error {
  /**
   * The field path, e.g. `registry.direct.imagesRepo`, `nodeGroups[1].cri`, `pki.ca.privateKey`; from
   * `RegistrySettings.fromModuleConfig`, the path in the manifest (`spec.settings.registry.direct.imagesRepo`).
   */
  public readonly path: string;
  /** What the field should hold, e.g. `one of "Direct" or "Unmanaged"`; undefined when a rule is broken (see `rule`). */
  public readonly expected?: string;
  /**
   * The value found, described: a non-secret value quoted (shortened to 80 characters), a secret by its type and
   * length only (`a string of 12 character(s) (value hidden)`), or what is wrong with it. Undefined when a rule is
   * broken (see `rule`).
   */
  public readonly got?: string;
  /**
   * The rule the input breaks when the problem is not one value's shape, e.g. `'password' is required when
   * 'username' is provided`; undefined when `expected` and `got` are set.
   */
  public readonly rule?: string;
  /** The file the input was read from (`RegistrySettings.fromModuleConfig`), or undefined. */
  public readonly file?: string;
  /** The line of the field in `file` (1-based), or undefined. */
  public readonly line?: number;

  /**
   * Made by the library's validators; `details` gives `expected` with `got`, or `rule` alone (anything else is a
   * TypeError). `got` must be a description, never the value of a secret.
   */
  public constructor(details: RegistryValidationErrorDetails) {
    const shape = details.expected !== undefined && details.got !== undefined && details.rule === undefined;
    const broken = details.rule !== undefined && details.expected === undefined && details.got === undefined;
    if (!shape && !broken) throw new TypeError('RegistryValidationError: give expected and got, or rule alone');
    super(compose(details));
    // Native classes (ES2015+) set the prototype themselves; this keeps instanceof right if the code is compiled to ES5.
    Object.setPrototypeOf(this, new.target.prototype);
    this.path = details.path;
    this.expected = details.expected;
    this.got = details.got;
    this.rule = details.rule;
    this.file = details.file;
    this.line = details.line;
  }

  /** The message without the location and the path: `expected <expected>, got <got>`, or the rule. */
  public get problem(): string {
    return problemOf(this);
  }

  /**
   * The same error with the path under `prefix` (`registry.mode` under `spec.settings` is `spec.settings.registry.mode`;
   * `[1].cri` under `nodeGroups` is `nodeGroups[1].cri`) and the message composed again.
   */
  public withPathPrefix(prefix: string): RegistryValidationError {
    const path = prefix === '' ? this.path : this.path.startsWith('[') ? `${prefix}${this.path}` : `${prefix}.${this.path}`;
    return new RegistryValidationError({ ...this.details(), path });
  }

  /** The same error located in a file: the message starts with `<file>:<line>: `. */
  public withLocation(file: string, line?: number): RegistryValidationError {
    return new RegistryValidationError({ ...this.details(), file, line });
  }

  private details(): RegistryValidationErrorDetails {
    return { path: this.path, expected: this.expected, got: this.got, rule: this.rule, file: this.file, line: this.line };
  }
}

// On the prototype, as for the built-in errors: not an own property of every error.
Object.defineProperty(RegistryValidationError.prototype, 'name', { value: 'RegistryValidationError', writable: true, configurable: true, enumerable: false });

function problemOf(d: RegistryValidationErrorDetails): string {
  return d.rule ?? `expected ${d.expected}, got ${d.got}`;
}

function compose(d: RegistryValidationErrorDetails): string {
  const location = d.file === undefined ? '' : d.line === undefined ? `${d.file}: ` : `${d.file}:${d.line}: `;
  return `${location}${d.path}: ${problemOf(d)}`;
}

/**
 * The keys of a field path, indexes as numbers: `nodeGroups[1].cri` is `['nodeGroups', 1, 'cri']`. A key that holds
 * a dot (a node name such as `master-0.example`) comes out split; a caller looking the path up stops at the
 * deepest key it finds.
 */
export function pathKeys(path: string): Array<string | number> {
  return [...path.matchAll(/\[(\d+)\]|([^.[\]]+)/g)].map((m) => (m[1] !== undefined ? Number(m[1]) : m[2]));
}
