import { stringify } from 'yaml';

/**
 * YAML for programs that read YAML 1.1 (PyYAML in Patroni and cloud-init, go-yaml in etcd): strings such as
 * `on`, `yes` or `0777` are quoted so they stay strings there; no anchors/aliases; no line folding.
 */
export function toYaml(value: unknown, options: { readonly compact?: boolean } = {}): string {
  return stringify(value, {
    version: '1.1',
    lineWidth: 0,
    aliasDuplicateObjects: false,
    // compact: sequence items not indented under their key, 2 bytes less on every line of an embedded file
    // (cloud-init user-data must stay under EC2's 16 KiB).
    ...(options.compact === true ? { indentSeq: false } : {}),
  });
}
