// What module `deckhouse` derives from `spec.settings.registry`: the ModuleConfig document itself (with
// credentials as placeholders), the `registry-config` Secret, and the orchestrator's input hash.
import { Cluster } from '../settings/_cluster';
import { ParsedSettings, Settings, upstreamOf } from '../settings/_registry-settings';
import { RegistryModeName } from '../settings/enums';
import { canonicalJson, secretFingerprint, sha256 } from './_hash';

const SECRET_FIELDS = ['license', 'password'];

/** The variable a credential of a section is written as in `ModuleConfig/deckhouse`, e.g. `REGISTRY_DIRECT_LICENSE`. */
export function credentialVariable(section: string, fieldName: string): string {
  return `REGISTRY_${section.toUpperCase()}_${fieldName.toUpperCase()}`;
}

/**
 * `spec.settings.registry` exactly as the user wrote it, except that `license` and `password` values become
 * `${REGISTRY_<SECTION>_<FIELD>}` placeholders: a credential may only land in a Secret, and a ModuleConfig is not one.
 */
export function moduleConfigRegistry(parsed: ParsedSettings): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed.written)) {
    if (key === 'mode') {
      out[key] = value;
      continue;
    }
    const section: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      section[k] = SECRET_FIELDS.includes(k) ? `\${${credentialVariable(key, k)}}` : v;
    }
    out[key] = section;
  }
  return out;
}

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
  if (u.username !== undefined && u.password !== undefined) {
    data.username = u.username;
    data.password = u.password;
  }
  data.checkMode = u.checkMode;
  const writtenTtl = (parsed.written.proxy as Record<string, unknown> | undefined)?.ttl;
  if (s.mode === RegistryModeName.PROXY && writtenTtl !== undefined) data.ttl = s.ttl;
  return data;
}

/** The orchestrator's input hash (`registry.deckhouse.io/config-hash`); credentials enter as fingerprints. */
export function orchestratorHash(s: Settings, cluster: Cluster): string {
  const u = upstreamOf(s);
  const upstream = u && { ...u, password: u.password === undefined ? undefined : secretFingerprint(u.password) };
  const pki = cluster.pki && [cluster.pki.ca, cluster.pki.token].map((p) => ({ certificate: p.certificate, key: sha256(p.privateKey) }));
  return sha256(canonicalJson({ mode: s.mode, upstream, ttl: s.mode === RegistryModeName.PROXY ? s.ttl : undefined, pki }));
}
