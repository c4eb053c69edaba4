// The public API: every name lib/index.ts exports. Adding a name here is an API decision; test/public-api.test.ts
// checks the index against this list and test/jsii.test.ts checks the jsii assembly against it.

/** Classes and enums: values at run time. */
export const PUBLIC_VALUES = [
  // settings
  'CheckMode', 'ClusterType', 'ContainerdBuild', 'CredentialForm', 'Cri', 'DeliveryTarget', 'RegistryModeName', 'Scheme',
  'RegistryMode', 'IngressTls', 'RegistrySettings', 'RegistryConstants', 'RegistryModel', 'RegistryValidationError',
  // constructs
  'RegistryApp', 'RegistryModule', 'RegistrySwitch', 'DeckhouseModuleConfig', 'DirectMode', 'InClusterProxy', 'UnmanagedMode',
  'ProxyMode', 'LocalMode', 'RegistryModeConstruct', 'RegistryService', 'RegistryServiceTarget', 'NodeConfiguration',
  // resolver
  'ContainerdHosts', 'EndpointSource',
  // verification
  'RegistryVerification', 'VerifyReport', 'VerifyStatus', 'VerifySubjectKind',
].sort();

/** Interfaces (jsii structs): types only. */
export const PUBLIC_TYPES = [
  // settings
  'RegistryConnectionOptions', 'DirectModeOptions', 'UnmanagedModeOptions', 'ProxyModeOptions',
  'CertificateKeyPair', 'ControlPlaneNode', 'NodeGroup', 'NodeServicesCertificates', 'RegistryClusterProps', 'RegistryImages',
  'RegistryIngressOptions', 'RegistryPki', 'RegistryValidationErrorDetails',
  // constructs
  'RegistryAppOutput', 'RegistryModuleProps', 'RegistrySwitchProps', 'SwitchStage', 'DeckhouseModuleConfigProps', 'DirectModeProps',
  'InClusterProxyProps', 'UnmanagedModeProps', 'ProxyModeProps', 'LocalModeProps', 'RegistryModeConstructProps', 'RegistryModelProps', 'RegistryServiceProps', 'NodeBundle',
  'NodeConfigurationProps', 'NodeFile',
  // resolver
  'Endpoint', 'EndpointCredentials', 'ImageReference', 'Resolution', 'ResolveOptions',
  // verification
  'VerifyOptions', 'VerifyEntry', 'VerifyIgnored', 'VerifyReportProps',
].sort();

/** Every name the index exports. */
export const PUBLIC_API = [...PUBLIC_VALUES, ...PUBLIC_TYPES].sort();

/** Exported for TypeScript and JavaScript only (`@jsii ignore`): jsii cannot represent a subclass of Error. */
export const TYPESCRIPT_ONLY = ['RegistryValidationError'];

/** The constructs: classes whose base chain reaches constructs.Construct. */
export const PUBLIC_CONSTRUCTS = [
  'RegistryApp', 'RegistryModule', 'RegistrySwitch', 'DeckhouseModuleConfig', 'DirectMode', 'InClusterProxy', 'UnmanagedMode',
  'ProxyMode', 'LocalMode', 'RegistryModeConstruct', 'RegistryService', 'NodeConfiguration',
].sort();
