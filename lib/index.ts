// The public API, and the only one: named exports, so nothing a file exports for the library's own use becomes API
// by accident. test/support/public-api.ts is the allow-list; test/public-api.test.ts checks this file against it and
// that every type these signatures name is exported here; `npm run jsii` compiles exactly this tree with jsii.

// Settings: the registry mode and the cluster facts.
export { CheckMode, ClusterType, ContainerdBuild, CredentialForm, Cri, DeliveryTarget, RegistryModeName, Scheme } from './settings/enums';
export { RegistryMode, type DirectModeOptions, type ProxyModeOptions, type RegistryConnectionOptions, type UnmanagedModeOptions } from './settings/registry-mode';
export { IngressTls } from './settings/cluster';
export type {
  CertificateKeyPair, ControlPlaneNode, NodeGroup, NodeServicesCertificates, RegistryClusterProps, RegistryImages, RegistryIngressOptions, RegistryPki,
} from './settings/cluster';
export { RegistrySettings } from './settings/registry-settings';
export { RegistryValidationError, type RegistryValidationErrorDetails } from './settings/validation-error';
export { RegistryConstants } from './model/constants';
export { RegistryModel, type RegistryModelProps } from './model/registry-model';

// Constructs.
export { RegistryApp, type RegistryAppOutput } from './constructs/registry-app';
export { RegistryModule, type RegistryModuleProps } from './constructs/registry-module';
export { RegistrySwitch, type RegistrySwitchProps, type SwitchStage } from './constructs/registry-switch';
export { DeckhouseModuleConfig, type DeckhouseModuleConfigProps } from './constructs/deckhouse-module-config';
export { DirectMode, type DirectModeProps } from './constructs/direct-mode';
export { InClusterProxy, type InClusterProxyProps } from './constructs/in-cluster-proxy';
export { UnmanagedMode, type UnmanagedModeProps } from './constructs/unmanaged-mode';
export { RegistryModeConstruct, type RegistryModeConstructProps } from './constructs/registry-mode-construct';
export { ProxyMode, type ProxyModeProps } from './constructs/proxy-mode';
export { LocalMode, type LocalModeProps } from './constructs/local-mode';
export { RegistryService, RegistryServiceTarget, type RegistryServiceProps } from './constructs/registry-service';
export { NodeConfiguration, type NodeBundle, type NodeConfigurationProps } from './constructs/node-configuration';
export type { NodeFile } from './render/node-files';

// Verification of a live cluster.
export { RegistryVerification, type VerifyOptions } from './verify/registry-verification';
export { VerifyReport, VerifyStatus, VerifySubjectKind, type VerifyEntry, type VerifyIgnored, type VerifyReportProps } from './verify/report';

// What containerd does with the node files.
export { ContainerdHosts, EndpointSource, type Endpoint, type EndpointCredentials, type ImageReference, type Resolution, type ResolveOptions } from './model/resolver';
