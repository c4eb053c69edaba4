// The text of the applied `ModuleConfig/deckhouse`. Credentials are either placeholders in literal block scalars with
// an explicit indentation indicator (`|2-`), so that raw text substitution (envsubst, Flux post-build) of any value
// the module accepts yields exactly that string, or, for an encrypted pipeline, the values themselves.
import type { ModuleConfigCredential } from '../model/deckhouse-module';
import { toYaml } from './yaml';

const TOKEN = (i: number) => `__registry_credential_${i}__`;

/**
 * YAML of a ModuleConfig document. `credentials` are the values at `spec.settings.registry.<section>.<field>`;
 * `inline` writes them as values, else as `${VARIABLE}` placeholders. The document's other fields stay as given.
 */
export function moduleConfigYaml(doc: Record<string, unknown>, credentials: readonly ModuleConfigCredential[], inline: boolean, header: readonly string[]): string {
  const copy = JSON.parse(JSON.stringify(doc)) as Record<string, any>;
  const registry = copy.spec.settings.registry as Record<string, Record<string, unknown>>;
  credentials.forEach((c, i) => {
    registry[c.section][c.field] = inline ? c.value : TOKEN(i);
  });
  // The library's YAML writer: every string a YAML 1.1, 1.2 or Go resolver would read as something else is quoted.
  let text = toYaml(copy);
  if (!inline) {
    credentials.forEach((c, i) => {
      // `key: |2-` then the placeholder two columns deeper than the key: any substituted value (leading spaces, `#`,
      // quotes, `: `, `*`, `[`, `${…}`, digits that a resolver would read as numbers) is kept verbatim.
      text = text.replace(new RegExp(`^( *)([^\\n]*): ${TOKEN(i)}$`, 'm'), (_all, indent: string, key: string) => `${indent}${key}: |2-\n${indent}  \${${c.variable}}`);
    });
  }
  return `${header.map((l) => `# ${l}`).join('\n')}${header.length > 0 ? '\n' : ''}${text}`;
}
