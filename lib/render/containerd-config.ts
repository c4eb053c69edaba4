// The config.toml fragment that points the CRI plugin at the hosts directories (step 032_configure_containerd).
import * as TOML from '@iarna/toml';
import { CONTAINERD_REGISTRY_DIR } from '../model/constants';
import { Cri } from '../settings/enums';

/** Node path of the fragment. On Deckhouse nodes bashible merges the same section into config.toml itself. */
export const CONFIG_PATH_FRAGMENT = '/etc/containerd/registry-config-path.toml';

/** The plugin table that holds `registry.config_path` for a runtime. */
export function registryPluginFor(cri: Cri): string {
  return cri === Cri.CONTAINERD_V2 ? 'io.containerd.cri.v1.images' : 'io.containerd.grpc.v1.cri';
}

/**
 * `version = 2` with `[plugins."io.containerd.grpc.v1.cri".registry]` for containerd 1.6/1.7, `version = 3` with
 * `[plugins."io.containerd.cri.v1.images".registry]` for containerd 2.x. A v3 file on 1.6 is silently ignored and
 * a v2 key in a v3 file is dropped by 2.x, so the pair is never mixed.
 */
export function configPathFragment(cri: Cri): string {
  if (cri !== Cri.CONTAINERD && cri !== Cri.CONTAINERD_V2) throw new Error(`containerd configuration requested for CRI "${cri}"`);
  return TOML.stringify({
    version: cri === Cri.CONTAINERD_V2 ? 3 : 2,
    plugins: { [registryPluginFor(cri)]: { registry: { config_path: CONTAINERD_REGISTRY_DIR } } },
  });
}
