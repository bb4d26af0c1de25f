import { Aspects, type IAspect, TerraformResource } from 'cdktf';
import type { IConstruct } from 'constructs';

/** Tag keys every pgha resource carries. */
export const TAG_KEYS = { cluster: 'pgha:cluster', role: 'pgha:role', managedBy: 'pgha:managed-by' } as const;

/** Tag keys with this prefix are pgha's own; callers may not set them. */
export const RESERVED_TAG_PREFIX = 'pgha:';

/** The standard tags: cluster, role, managed-by, plus the caller's extra tags. */
export function standardTags(
  clusterName: string,
  role: string,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return { ...extra, [TAG_KEYS.cluster]: clusterName, [TAG_KEYS.role]: role, [TAG_KEYS.managedBy]: 'pgha' };
}

interface Taggable {
  tags: Record<string, string>;
  readonly tagsInput?: Record<string, string>;
}

function isTaggable(node: IConstruct): node is TerraformResource & Taggable {
  return TerraformResource.isTerraformResource(node) && 'tags' in node && 'tagsInput' in node;
}

/**
 * Adds the standard tags to every taggable resource under a construct, so that no resource is missed when
 * one is added later. Tags set explicitly on a resource win.
 */
export class StandardTagsAspect implements IAspect {
  constructor(private readonly tags: Readonly<Record<string, string>>) {}

  visit(node: IConstruct): void {
    if (!isTaggable(node)) return;
    const current = node.tagsInput ?? {};
    node.tags = { ...this.tags, ...current };
  }
}

/**
 * Tags everything under `scope` with the standard tags (through {@link StandardTagsAspect}) and returns them, for
 * the places that take tags themselves (launch template tag specifications, autoscaling group tags).
 */
export function applyStandardTags(
  scope: IConstruct,
  clusterName: string,
  role: string,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const tags = standardTags(clusterName, role, extra);
  Aspects.of(scope).add(new StandardTagsAspect(tags));
  return tags;
}
