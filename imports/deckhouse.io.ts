// TEMPORARY: replaced by `cdk8s import` output of the ModuleConfig CRD.
import { ApiObject, ApiObjectMetadata, GroupVersionKind } from 'cdk8s';
import { Construct } from 'constructs';
export interface ModuleConfigProps { readonly metadata?: ApiObjectMetadata; readonly spec?: ModuleConfigSpec }
export interface ModuleConfigSpec { readonly version?: number; readonly enabled?: boolean; readonly settings?: { [key: string]: any } }
export class ModuleConfig extends ApiObject {
  public static readonly GVK: GroupVersionKind = { apiVersion: 'deckhouse.io/v1alpha1', kind: 'ModuleConfig' };
  public constructor(scope: Construct, id: string, props: ModuleConfigProps = {}) {
    super(scope, id, { ...ModuleConfig.GVK, ...props });
  }
}
export interface NodeGroupConfigurationProps { readonly metadata?: ApiObjectMetadata; readonly spec: NodeGroupConfigurationSpec }
export interface NodeGroupConfigurationSpec { readonly content: string; readonly weight?: number; readonly nodeGroups?: string[]; readonly bundles?: string[] }
export class NodeGroupConfiguration extends ApiObject {
  public static readonly GVK: GroupVersionKind = { apiVersion: 'deckhouse.io/v1alpha1', kind: 'NodeGroupConfiguration' };
  public constructor(scope: Construct, id: string, props: NodeGroupConfigurationProps) {
    super(scope, id, { ...NodeGroupConfiguration.GVK, ...props });
  }
}
