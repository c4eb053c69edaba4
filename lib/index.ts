// The public API, and the only one: named exports, so nothing a file exports for the library's own use becomes API
// by accident. test/support/public-api.ts is the allow-list; test/public-api.test.ts checks this file against it and
// that every type these signatures name is exported here; `npm run jsii` compiles exactly this tree with jsii.

// Settings: the registry mode and the cluster facts.
export { CheckMode, ClusterType, ContainerdBuild, CredentialForm, Cri, DeliveryTarget, RegistryModeName, Scheme } from './settings/enums';
export { RegistryMode } from './settings/registry-mode';
export type { DirectModeOptions, ProxyModeOptions, RegistryConnectionOptions, UnmanagedModeOptions } from './settings/registry-mode';
export { IngressTls } from './settings/cluster';
export type {
  CertificateKeyPair, ControlPlaneNode, NodeGroup, NodeServicesCertificates, RegistryClusterProps, RegistryImages, RegistryIngressOptions, RegistryPki,
} from './settings/cluster';
export { RegistrySettings } from './settings/registry-settings';
export { RegistryValidationError } from './settings/validation-error';
export type { RegistryValidationErrorDetails } from './settings/validation-error';
export { RegistryConstants } from './model/constants';
export { RegistryModel } from './model/registry-model';
export type { RegistryModelProps } from './model/registry-model';

// Constructs.
export { RegistryApp } from './constructs/registry-app';
export type { RegistryAppOutput } from './constructs/registry-app';
export { RegistryModule } from './constructs/registry-module';
export type { RegistryModuleProps } from './constructs/registry-module';
export { RegistrySwitch } from './constructs/registry-switch';
export type { RegistrySwitchProps, SwitchStage } from './constructs/registry-switch';
export { DeckhouseModuleConfig } from './constructs/deckhouse-module-config';
export type { DeckhouseModuleConfigProps } from './constructs/deckhouse-module-config';
export { DirectMode } from './constructs/direct-mode';
export type { DirectModeProps } from './constructs/direct-mode';
export { InClusterProxy } from './constructs/in-cluster-proxy';
export type { InClusterProxyProps } from './constructs/in-cluster-proxy';
export { UnmanagedMode } from './constructs/unmanaged-mode';
export type { UnmanagedModeProps } from './constructs/unmanaged-mode';
export { RegistryModeConstruct } from './constructs/mode-construct';
export type { RegistryModeConstructProps } from './constructs/mode-construct';
export { ProxyMode } from './constructs/proxy-mode';
export type { ProxyModeProps } from './constructs/proxy-mode';
export { LocalMode } from './constructs/local-mode';
export type { LocalModeProps } from './constructs/local-mode';
export { RegistryService, RegistryServiceTarget } from './constructs/registry-service';
export type { RegistryServiceProps } from './constructs/registry-service';
export { NodeConfiguration } from './constructs/node-configuration';
export type { NodeBundle, NodeConfigurationProps } from './constructs/node-configuration';
export type { NodeFile } from './render/node-files';

// Verification of a live cluster.
export { RegistryVerification } from './verify/registry-verification';
export type { VerifyOptions } from './verify/registry-verification';
export { VerifyReport, VerifyStatus, VerifySubjectKind } from './verify/report';
export type { VerifyEntry, VerifyIgnored, VerifyReportProps } from './verify/report';

// What containerd does with the node files.
export { ContainerdHosts, EndpointSource } from './model/resolver';
export type { Endpoint, EndpointCredentials, ImageReference, Resolution, ResolveOptions } from './model/resolver';
