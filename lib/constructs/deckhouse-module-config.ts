import { Construct } from 'constructs';
import { moduleConfigDocument } from '../model/deckhouse-module';
import { moduleConfigYaml } from '../render/module-config-yaml';
import { CredentialForm } from '../settings/enums';
import { describeValue, enumValue, invalid } from '../settings/_errors';
import { RegistryMode } from '../settings/registry-mode';

/** Props of `DeckhouseModuleConfig`. */
export interface DeckhouseModuleConfigProps {
  /**
   * The registry settings to write under `spec.settings.registry`. A mode read with
   * `RegistrySettings.fromModuleConfig` carries the user's whole document, which is kept as given otherwise.
   */
  readonly mode: RegistryMode;

  /**
   * `spec.version` of the `deckhouse` module's settings schema, when the mode carries no document of its own.
   * @default 1
   */
  readonly version?: number;

  /**
   * How the credentials are written.
   * @default CredentialForm.PLACEHOLDER
   */
  readonly credentials?: CredentialForm;
}

/**
 * `ModuleConfig/deckhouse`, the one object a pipeline applies where Deckhouse runs its `registry` module. With a
 * document read by `RegistrySettings.fromModuleConfig`, everything but `spec.settings.registry` stays as the user
 * wrote it. Credentials (`license`, `password`) are `${REGISTRY_<SECTION>_<FIELD>}` placeholders in literal block
 * scalars, substitution-safe for any value, or inline for a pipeline that encrypts the file.
 *
 * The object is written as a file (`toYaml()`), not synthesized into a chart: the placeholders must keep their block
 * style, which a chart's YAML would not.
 */
export class DeckhouseModuleConfig extends Construct {
  /** What was kept from the user's document besides the registry settings, e.g. `spec.version`. */
  public readonly kept: string[];
  /** Names of the variables to substitute (empty with inline credentials). */
  public readonly variables: string[];
  /** Whether the YAML holds credentials in clear text (inline form with credentials). */
  public readonly inlineCredentials: boolean;
  private readonly text: string;

  constructor(scope: Construct, id: string, props: DeckhouseModuleConfigProps) {
    super(scope, id);
    if (!(props.mode instanceof RegistryMode)) invalid('mode', 'a RegistryMode', describeValue(props.mode));
    const version = props.version ?? 1;
    if (!Number.isInteger(version) || version < 1) invalid('version', 'a whole number >= 1', describeValue(version));
    const form = props.credentials === undefined ? CredentialForm.PLACEHOLDER : enumValue('credentials', props.credentials, [CredentialForm.PLACEHOLDER, CredentialForm.INLINE]);
    const source = props.mode._source;
    const m = moduleConfigDocument(props.mode._parsed, source);
    if (source === undefined) (m.document.spec as Record<string, unknown>).version = version;
    const inline = form === CredentialForm.INLINE;
    this.kept = [...m.kept];
    this.variables = inline ? [] : m.credentials.map((c) => c.variable);
    this.inlineCredentials = inline && m.credentials.length > 0;
    const header = inline && m.credentials.length > 0
      ? ['This file holds registry credentials in clear text: encrypt it (for example with SOPS) before it is committed.']
      : m.credentials.length > 0
        ? [`Substitute ${this.variables.map((v) => `$${v}`).join(', ')} before applying, e.g. envsubst '${this.variables.map((v) => `$${v}`).join(' ')}' < moduleconfig.yaml.`]
        : [];
    this.text = moduleConfigYaml(m.document, m.credentials, inline, header);
  }

  /** The ModuleConfig as YAML, ready for a file of its own. */
  public toYaml(): string {
    return this.text;
  }
}
