import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ModuleConfig } from '../../imports/deckhouse-moduleconfig-deckhouse.io';
import { moduleConfigRegistry } from '../model/module-settings';
import { RegistryMode } from '../settings/registry-mode';
import { assertClusterScope } from './_objects';

/** Props of `DeckhouseModuleConfig`. */
export interface DeckhouseModuleConfigProps {
  /** The registry settings to write under `spec.settings.registry`. */
  readonly mode: RegistryMode;

  /**
   * `spec.version` of the `deckhouse` module's settings schema.
   * @default 1
   */
  readonly version?: number;
}

/**
 * `ModuleConfig/deckhouse` with `spec.settings.registry` as the user wrote it. Credentials (`license`,
 * `password`) are written as `${REGISTRY_<SECTION>_<FIELD>}` placeholders, to be substituted at apply time,
 * because a ModuleConfig is not a Secret.
 *
 * The object is cluster-scoped: the chart that holds it must have no namespace.
 */
export class DeckhouseModuleConfig extends Construct {
  /** The `ModuleConfig/deckhouse` object (a typed `ModuleConfig` from the CRD import). */
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: DeckhouseModuleConfigProps) {
    super(scope, id);
    assertClusterScope(this, 'ModuleConfig');
    const version = props.version ?? 1;
    if (!Number.isInteger(version) || version < 1) throw new Error(`${this.node.path}: expected version to be a whole number >= 1, got ${version}`);
    this.resource = new ModuleConfig(this, 'Resource', {
      metadata: { name: 'deckhouse' },
      spec: { version, enabled: true, settings: { registry: moduleConfigRegistry(props.mode._parsed) } },
    });
  }
}
