// YAML text of embedded documents (bashible payload, distribution and docker_auth configs, raw_config).
import { stringify } from 'yaml';

/**
 * Block-style YAML 1.1 (what Go's yaml.v2 readers expect: `yes`, `on`, `0b1` or `1:20` stay strings), keys in
 * insertion order, no line folding, no anchors.
 */
export function toYaml(value: unknown): string {
  return stringify(value, { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false });
}
