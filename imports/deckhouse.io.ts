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
