import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag 3 acknowledges one finding at a time, by its exact id. For IAM5 (wildcards) the id
 * names the flattened resource, e.g. `AwsSolutions-IAM5[Resource::<MailBucket1234.Arn>/incoming/*]`.
 * These helpers build that id from the ARN expression the policy uses, so an acknowledgement
 * follows the resource it is about instead of a logical id copied by hand.
 */

/** Acknowledges one wildcard resource in the IAM policies under `scope`. */
export function acknowledgeWildcardResource(scope: IConstruct, arn: string, reason: string): void {
  Validations.of(scope).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${flattenReference(Stack.of(scope).resolve(arn))}]`,
    reason,
  });
}

/** The same flattening cdk-nag applies to resources before naming a finding (utils/flatten-cfn-reference). */
export function flattenReference(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const value = node as Record<string, unknown>;
  if (Array.isArray(value['Fn::Join'])) {
    const [delimiter, items] = value['Fn::Join'] as [string, unknown[]];
    return items.map(flattenReference).join(delimiter);
  }
  if (value['Fn::Sub'] !== undefined) return flattenReference(value['Fn::Sub']);
  if (Array.isArray(value['Fn::GetAtt'])) {
    const [resource, attribute] = value['Fn::GetAtt'] as [unknown, unknown];
    return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
  }
  if (value.Ref !== undefined) return `<${flattenReference(value.Ref)}>`;
  return JSON.stringify(node);
}
