import { stringify } from 'yaml';

/**
 * YAML for programs that read YAML 1.1 (PyYAML in Patroni and cloud-init, go-yaml in etcd): strings such as
 * `on`, `yes` or `0777` are quoted so they stay strings there; no anchors/aliases; no line folding.
 */
export function toYaml(value: unknown): string {
  return stringify(value, { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false });
}
