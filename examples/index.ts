import { App, Chart } from 'cdk8s';
import { directLicense } from './direct-license';
import { directPrivate } from './direct-private';
import { unmanagedConfigurable } from './unmanaged-configurable';
import { unmanagedDefault } from './unmanaged-default';

/** Every example by its `dist/` folder name. */
export const EXAMPLES: { readonly [name: string]: (app: App) => Chart } = {
  'direct-license': directLicense,
  'direct-private': directPrivate,
  'unmanaged-default': unmanagedDefault,
  'unmanaged-configurable': unmanagedConfigurable,
};
