import { CheckMode, RegistryModeName, Scheme } from './enums';
import { CREDENTIAL_FIELDS, ParsedSettings, parseRegistrySettings, runsComponents, Settings } from './parsed-settings';

/** Connection to an upstream registry: one of the `direct`, `unmanaged` or `proxy` sections of the settings. */
export interface RegistryConnectionOptions {
  /**
   * The repository with Deckhouse images, `host[:port]/path` without a scheme,
   * e.g. `registry.deckhouse.io/deckhouse/ee`.
   */
  readonly imagesRepo: string;

  /**
   * Protocol of the upstream registry.
   * @default Scheme.HTTPS
   */
  readonly scheme?: Scheme;

  /**
   * Root CA of the upstream registry's certificate: exactly one PEM certificate (the module's hook fails on a bundle).
   * It is re-encoded canonically where the module re-encodes it and kept as written in `registry-config`.
   * @default - the system trust store
   */
  readonly ca?: string;

  /**
   * Deckhouse licence key; used as the password of the fixed user `license-token`.
   * Mutually exclusive with `username` and `password`.
   * @default - no licence
   */
  readonly license?: string;

  /**
   * Registry username; requires `password`.
   * @default - anonymous access, or the licence user
   */
  readonly username?: string;

  /**
   * Registry password; requires `username`.
   * @default - anonymous access, or the licence key
   */
  readonly password?: string;

  /**
   * How the module checks the upstream before it switches to it.
   * @default CheckMode.DEFAULT
   */
  readonly checkMode?: CheckMode;
}

/** Settings of the `Direct` mode (`registry.direct`). */
export interface DirectModeOptions extends RegistryConnectionOptions {}

/** Settings of the configurable `Unmanaged` mode (`registry.unmanaged`). */
export interface UnmanagedModeOptions extends RegistryConnectionOptions {}

/** Settings of the `Proxy` mode (`registry.proxy`). */
export interface ProxyModeOptions extends RegistryConnectionOptions {
  /**
   * How long the cache keeps an image, e.g. `24h` or `90m`; at least 5 minutes.
   * @default '168h'
   */
  readonly ttl?: string;
}

/**
 * The registry mode and its settings, i.e. `ModuleConfig/deckhouse` `spec.settings.registry`.
 *
 * The factories validate eagerly and throw a {@link RegistryValidationError} that names the field path
 * (`registry.direct.password`), the bad value (never a secret) and what is expected.
 */
export class RegistryMode {
  /** `Direct`: containerd redirects the fixed address to the upstream; API clients use the in-cluster proxy. */
  public static direct(options: DirectModeOptions): RegistryMode {
    return new RegistryMode(parseRegistrySettings({ mode: RegistryModeName.DIRECT, direct: RegistryMode.section(options) }));
  }

  /**
   * `Unmanaged`. Without options this is the default, non-configurable form (the registry given at bootstrap);
   * with options it is the configurable form that points the cluster at `imagesRepo`.
   */
  public static unmanaged(options?: UnmanagedModeOptions): RegistryMode {
    const registry: Record<string, unknown> = { mode: RegistryModeName.UNMANAGED };
    if (options !== undefined) registry.unmanaged = RegistryMode.section(options);
    return new RegistryMode(parseRegistrySettings(registry));
  }

  /** `Proxy`: a caching registry on the control-plane nodes (static clusters only). */
  public static proxy(options: ProxyModeOptions): RegistryMode {
    return new RegistryMode(parseRegistrySettings({ mode: RegistryModeName.PROXY, proxy: RegistryMode.section(options) }));
  }

  /** `Local`: a full local copy on the control-plane nodes, filled by `d8 mirror push` (static clusters only). */
  public static local(): RegistryMode {
    return new RegistryMode(parseRegistrySettings({ mode: RegistryModeName.LOCAL }));
  }

  /**
   * From a plain object written as in `ModuleConfig/deckhouse` `spec.settings.registry`, e.g. parsed YAML
   * `{ mode: 'Direct', direct: { imagesRepo: '…', license: '…' } }`. An absent object means the default mode.
   */
  public static fromSettings(registry: { [key: string]: any } | undefined): RegistryMode {
    return new RegistryMode(parseRegistrySettings(registry));
  }

  /**
   * Drops `undefined` members so that a typed caller and a YAML document validate the same way, except the
   * credentials: `license: process.env.DKP_LICENSE!` with the variable unset must fail, not render an anonymous
   * upstream (anonymous access is chosen by omitting `license`, `username` and `password`).
   */
  private static section(options: RegistryConnectionOptions | ProxyModeOptions): Record<string, unknown> {
    if (typeof options !== 'object' || options === null) return options as unknown as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(options)) if (v !== undefined || CREDENTIAL_FIELDS.includes(k)) out[k] = v;
    return out;
  }

  /** The mode name. */
  public readonly name: RegistryModeName;

  /** @internal */
  public readonly _parsed: ParsedSettings;
  /** @internal the user's whole `ModuleConfig/deckhouse`, when the settings were read from one */
  public readonly _source?: Record<string, unknown>;

  private constructor(parsed: ParsedSettings, source?: Record<string, unknown>) {
    this._parsed = parsed;
    this._source = source;
    this.name = parsed.settings.mode;
  }

  /** @internal the same settings, remembering the document they were read from */
  public static _fromDocument(registry: { [key: string]: any } | undefined, document: Record<string, unknown>): RegistryMode {
    return new RegistryMode(parseRegistrySettings(registry), JSON.parse(JSON.stringify(document)));
  }

  /** @internal the normalized settings */
  public get _settings(): Settings {
    return this._parsed.settings;
  }

  /** Whether the module runs an internal registry (Direct, Proxy, Local), i.e. images use the fixed address. */
  public get managed(): boolean {
    return runsComponents(this.name);
  }

  /** The upstream `imagesRepo` of the `direct`, `unmanaged` or `proxy` section; undefined for Local and default Unmanaged. */
  public get imagesRepo(): string | undefined {
    const s = this._parsed.settings;
    return s.mode === RegistryModeName.LOCAL ? undefined : s.upstream?.imagesRepo;
  }
}
