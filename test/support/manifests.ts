// Reading rendered Kubernetes manifests: the one multi-document YAML parser of the tests, finding an object, and the
// one decoder of Secret data.
import * as YAML from 'yaml';

export type YamlOptions = YAML.ParseOptions & YAML.DocumentOptions & YAML.SchemaOptions;

export interface ManifestDocument {
  /** The document's own text, as it stands in the file. */
  readonly source: string;
  readonly object: any;
}

/** Every document of a multi-document YAML text with its source text (empty documents dropped; an error throws). */
export function manifestDocuments(text: string, options: YamlOptions = {}): ManifestDocument[] {
  return YAML.parseAllDocuments(text, options).map((d) => {
    if (d.errors.length > 0) throw new Error(`YAML does not parse: ${d.errors[0].message}`);
    return { source: text.slice(d.range[0], d.range[2]), object: d.toJS() };
  }).filter((d) => d.object !== null && d.object !== undefined);
}

/** Every document of a multi-document YAML text, parsed (empty documents dropped; an error throws). */
export function parseManifests(text: string, options: YamlOptions = {}): any[] {
  return manifestDocuments(text, options).map((d) => d.object);
}

/** The one object of a kind and name; namespaced ones in `d8-system` unless another namespace is given. */
export function find(objects: any[], kind: string, name: string, namespace = 'd8-system'): any {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name && (o.metadata.namespace === undefined || o.metadata.namespace === namespace));
  if (found.length !== 1) throw new Error(`expected one ${kind}/${name}, found ${found.length} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found[0];
}

export const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** The bytes of each key of a Secret object: `data` decoded, `stringData` (which the API server merges over it) as UTF-8. */
export function secretBytes(object: any): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries<string>(object.data ?? {})) out[k] = Buffer.from(v, 'base64');
  for (const [k, v] of Object.entries<string>(object.stringData ?? {})) out[k] = Buffer.from(v, 'utf8');
  return out;
}

/** Decoded data of a Secret object (UTF-8). */
export function decodeSecret(object: any): Record<string, string> {
  return Object.fromEntries(Object.entries(secretBytes(object)).map(([k, v]) => [k, v.toString('utf8')]));
}

/** Decoded data of the one Secret of that name (see `find`). */
export function secretData(objects: any[], name: string, namespace?: string): Record<string, string> {
  return decodeSecret(find(objects, 'Secret', name, namespace));
}
