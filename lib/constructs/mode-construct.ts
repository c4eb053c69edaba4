import { Construct, IConstruct } from 'constructs';
import { RegistryModel, ResolvedRegistry } from '../model/registry-model';
import { describeValue, invalid } from '../settings/_errors';
import { RegistryModeName } from '../settings/enums';

/** What every mode construct (`DirectMode`, `UnmanagedMode`, `ProxyMode`, `LocalMode`) tells about itself. */
export interface IRegistryModeConstruct extends IConstruct {
  /** The mode it renders. */
  readonly modeName: RegistryModeName;
  /**
   * Version of the node configuration (`registry-bashible-config`) nodes report in `registry.deckhouse.io/version`;
   * undefined where the mode leaves nodes alone (the default Unmanaged mode).
   */
  readonly bashibleVersion?: string;
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
