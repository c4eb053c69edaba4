// What module `deckhouse` derives from `spec.settings.registry`: the ModuleConfig document itself (with
// credentials as placeholders), the `registry-config` Secret, and the orchestrator's input hash.
import { Cluster } from './cluster';
import { hasCredentials, ParsedSettings, Settings, upstreamOf } from '../settings/parsed-settings';
import { DeliveryTarget, RegistryModeName } from '../settings/enums';
import { MODULE_GENERATED } from './constants';
import { canonicalJson, hashablePairs, secretFingerprint, sha256 } from './_hash';

const SECRET_FIELDS = ['license', 'password'];

/** The variable a credential of a section is written as in `ModuleConfig/deckhouse`, e.g. `REGISTRY_DIRECT_LICENSE`. */
function credentialVariable(section: string, fieldName: string): string {
  return `REGISTRY_${section.toUpperCase()}_${fieldName.toUpperCase()}`;
}

/** A credential of the settings (`license` or `password` of a section) with its placeholder variable. */
export interface ModuleConfigCredential {
  readonly section: string;
  readonly field: string;
  readonly variable: string;
  readonly value: string;
}

/** `ModuleConfig/deckhouse` to apply: the user's own document (when given) with only `spec.settings.registry` set. */
export interface ModuleConfigDocument {
  readonly document: Record<string, unknown>;
  /** The credentials inside `spec.settings.registry`, as values; the renderer writes them as placeholders or inline. */
  readonly credentials: readonly ModuleConfigCredential[];
  /** What was kept from the user's document besides the registry settings, e.g. `spec.version`, `spec.settings.bundle`. */
  readonly kept: readonly string[];
}

/**
 * The ModuleConfig to apply. With the user's own document, every other field, setting, label, annotation and
 * `spec.version` is kept as given; only `spec.settings.registry` changes, to the settings as the user wrote them.
 */
export function moduleConfigDocument(parsed: ParsedSettings, source?: Record<string, unknown>): ModuleConfigDocument {
  const registry = JSON.parse(JSON.stringify(parsed.written)) as Record<string, unknown>;
  const credentials: ModuleConfigCredential[] = [];
  for (const [section, value] of Object.entries(registry)) {
    if (section === 'mode') continue;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (SECRET_FIELDS.includes(k)) credentials.push({ section, field: k, variable: credentialVariable(section, k), value: v as string });
    }
  }
  if (source === undefined) {
    return {
      document: { apiVersion: 'deckhouse.io/v1alpha1', kind: 'ModuleConfig', metadata: { name: 'deckhouse' }, spec: { version: 1, enabled: true, settings: { registry } } },
      credentials,
      kept: [],
    };
  }
  const document = JSON.parse(JSON.stringify(source)) as Record<string, any>;
  // A document exported from a cluster carries what the API server set, and kubectl's last-applied annotation: the
  // previous ModuleConfig in full, credentials in clear text. None of it belongs in what is applied.
  delete document.status;
  for (const k of SERVER_SET_METADATA) if (document.metadata !== undefined) delete document.metadata[k];
  if (document.metadata?.annotations !== undefined) {
    delete document.metadata.annotations[LAST_APPLIED];
    if (Object.keys(document.metadata.annotations).length === 0) delete document.metadata.annotations;
  }
  const kept: string[] = [];
  for (const k of Object.keys(document.metadata ?? {})) if (k !== 'name') kept.push(`metadata.${k}`);
  for (const k of Object.keys(document.spec ?? {})) if (k !== 'settings') kept.push(`spec.${k}`);
  for (const k of Object.keys(document.spec?.settings ?? {})) if (k !== 'registry') kept.push(`spec.settings.${k}`);
  document.spec = { ...(document.spec ?? {}), settings: { ...(document.spec?.settings ?? {}), registry } };
  return { document, credentials, kept };
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const SERVER_SET_METADATA = ['managedFields', 'resourceVersion', 'uid', 'generation', 'creationTimestamp', 'selfLink'];

/** Module values `deckhouse.registry` with the schema defaults applied (the source of `raw_config`). */
export function registryValues(parsed: ParsedSettings): Record<string, unknown> {
  const s = parsed.settings;
  const out: Record<string, unknown> = { mode: s.mode };
  const u = upstreamOf(s);
  if (u !== undefined) {
    const section = parsed.written[s.mode.toLowerCase()] as Record<string, unknown>;
    out[s.mode.toLowerCase()] = { ...section, scheme: u.scheme, checkMode: u.checkMode };
  }
  return out;
}

/** Data of `d8-system/registry-config` (reference §5.1) without `raw_config`, which the caller renders. */
export function registryConfigData(parsed: ParsedSettings): Record<string, string> {
  const s = parsed.settings;
  const data: Record<string, string> = { mode: s.mode };
  const u = upstreamOf(s);
  if (u === undefined) return data;
  data.imagesRepo = u.imagesRepo;
  data.scheme = u.scheme;
  if (u.caWritten !== undefined) data.ca = u.caWritten;
  if (hasCredentials(u)) {
    data.username = u.username;
    data.password = u.password;
  }
  data.checkMode = u.checkMode;
  if (s.mode === RegistryModeName.PROXY && s.ttlWritten) data.ttl = s.ttl;
  return data;
}

/**
 * The orchestrator's input hash (`registry.deckhouse.io/config-hash`); credentials enter as fingerprints. Its recipe
 * is the library's own, so with the module the value is the module's (the marker).
 */
export function orchestratorHash(s: Settings, cluster: Cluster): string {
  if (cluster.target === DeliveryTarget.WITH_MODULE) return MODULE_GENERATED;
  const u = upstreamOf(s);
  const upstream = u && { ...u, password: u.password === undefined ? undefined : secretFingerprint(u.password) };
  const pki = cluster.pki && hashablePairs([cluster.pki.ca, cluster.pki.token]);
  return sha256(canonicalJson({ mode: s.mode, upstream, ttl: s.mode === RegistryModeName.PROXY ? s.ttl : undefined, pki }));
}
