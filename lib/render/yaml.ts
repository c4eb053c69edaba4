// YAML text of embedded documents (bashible payload, distribution and docker_auth configs, raw_config).
import { stringify } from 'yaml';

/** Block-style YAML, keys in insertion order, no line folding, no anchors. */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}
