import { Construct } from 'constructs';
import { RegistryModel, ResolvedRegistry } from '../model/registry-model';
import { describeValue, invalid } from '../settings/_errors';
import { RegistryModeName } from '../settings/enums';

/** Props of every mode construct. */
export interface RegistryModeConstructProps {
  /** The resolved settings and cluster facts: `RegistryModel.resolve({ mode, … })`, of the construct's mode. */
  readonly model: RegistryModel;
}

/** The factory users call for each mode, for errors. */
const FACTORIES: Record<RegistryModeName, string> = {
  [RegistryModeName.DIRECT]: 'RegistryMode.direct(…)',
  [RegistryModeName.UNMANAGED]: 'RegistryMode.unmanaged(…)',
  [RegistryModeName.PROXY]: 'RegistryMode.proxy(…)',
  [RegistryModeName.LOCAL]: 'RegistryMode.local()',
};

/**
 * The resolved model a construct renders: `model` must be a `RegistryModel` (of `mode`, when given). The one check
 * every construct that takes a model makes.
 */
export function resolvedModel(scope: Construct, model: unknown, mode?: RegistryModeName): ResolvedRegistry {
  if (!(model instanceof RegistryModel)) return invalid('model', 'a RegistryModel (RegistryModel.resolve({ mode, … }))', describeValue(model));
  if (mode !== undefined && model.modeName !== mode) {
    throw new Error(`${scope.node.path}: expected mode to be ${FACTORIES[mode]}, got mode '${model.modeName}'`);
  }
  return model._resolved;
}

/**
 * What every mode construct (`DirectMode`, `UnmanagedMode`, `ProxyMode`, `LocalMode`) is: the objects one mode
 * converges to, rendered from a model of that mode.
 */
export abstract class RegistryModeConstruct extends Construct {
  /** The mode it renders. */
  public readonly modeName: RegistryModeName;
  /** @internal */
  protected readonly _model: ResolvedRegistry;

  protected constructor(scope: Construct, id: string, props: RegistryModeConstructProps, mode: RegistryModeName) {
    super(scope, id);
    this.modeName = mode;
    this._model = resolvedModel(this, props.model, mode);
  }

  /**
   * Version of the node configuration (`registry-bashible-config`) nodes report in `registry.deckhouse.io/version`;
   * undefined where the mode leaves nodes alone (the default Unmanaged mode).
   */
  public get bashibleVersion(): string | undefined {
    return this._model.bashible?.version;
  }
}
