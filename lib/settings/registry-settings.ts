import { isMap, LineCounter, parseAllDocuments } from 'yaml';
import { RegistryMode } from './registry-mode';
import { pathKeys, RegistryValidationError } from './validation-error';
import { toJsSafely, yamlErrorMessage } from './_yaml';

/** The only apiVersion of `ModuleConfig` this reads. */
const MODULE_CONFIG_API_VERSION = 'deckhouse.io/v1alpha1';

/**
 * Registry settings read from an existing `ModuleConfig/deckhouse` manifest, so a Deckhouse user renders the same
 * output from the ModuleConfig they already have.
 */
export class RegistrySettings {
  /**
   * Parses YAML text holding `ModuleConfig/deckhouse` (other documents are ignored) and validates its
   * `spec.settings.registry`. Errors name the file, the line and the field, e.g.
   * `moduleconfig.yaml:12: spec.settings.registry.direct.imagesRepo: expected …`; an invalid setting throws a
   * {@link RegistryValidationError} whose `path` is the path in the manifest and whose `file` and `line` say where it
   * is. YAML syntax errors and aliases that cannot be resolved are reported by file, line and field without any text
   * of the document (a typo next to a password would otherwise echo it). `apiVersion` must be `deckhouse.io/v1alpha1`.
   *
   * @param yaml the manifest text
   * @param file the name to put in error messages
   */
  public static fromModuleConfig(yaml: string, file: string = 'moduleconfig.yaml'): RegistryMode {
    const lines = new LineCounter();
    const docs = parseAllDocuments(yaml, { lineCounter: lines, version: '1.1', prettyErrors: false });
    if (!Array.isArray(docs)) throw new Error(`${file}: expected YAML documents`);
    for (const doc of docs) {
      const err = doc.errors[0];
      if (err !== undefined) throw new Error(yamlErrorMessage(file, doc, lines, err));
    }
    const values = docs.map((d) => toJsSafely(file, d, lines) as Record<string, any> | null);
    const matches = values.flatMap((o, i) => (o !== null && typeof o === 'object' && o.kind === 'ModuleConfig' && o.metadata?.name === 'deckhouse' ? [i] : []));
    if (matches.length !== 1) {
      throw new Error(`${file}: expected exactly one ModuleConfig named "deckhouse" (apiVersion ${MODULE_CONFIG_API_VERSION}), found ${matches.length}`);
    }
    const doc = docs[matches[0]];
    const root = values[matches[0]] as Record<string, any>;
    const registry = root.spec?.settings?.registry;
    // The line of the deepest key of `path` that exists (a missing field points at its parent's key).
    const lineOf = (path: ReadonlyArray<string | number>): number => {
      for (let n = path.length; n > 0; n--) {
        const parent = n > 1 ? doc.getIn(path.slice(0, n - 1), true) : doc.contents;
        if (!isMap(parent)) continue;
        const pair = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === path[n - 1]);
        const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
        if (range !== undefined) return lines.linePos(range[0]).line;
      }
      return 1;
    };
    if (root.apiVersion !== MODULE_CONFIG_API_VERSION) {
      const got = typeof root.apiVersion === 'string' ? JSON.stringify(root.apiVersion.slice(0, 80)) : root.apiVersion === undefined ? 'nothing' : `a ${typeof root.apiVersion}`;
      throw new Error(`${file}:${lineOf(['apiVersion'])}: apiVersion: expected "${MODULE_CONFIG_API_VERSION}" for ModuleConfig/deckhouse, got ${got}`);
    }
    try {
      return RegistryMode._fromDocument(registry, root);
    } catch (e) {
      if (!(e instanceof RegistryValidationError)) {
        throw new Error(`${file}:${lineOf(['spec', 'settings', 'registry'])}: spec.settings.${(e as Error).message}`);
      }
      const inManifest = e.withPathPrefix('spec.settings');
      throw inManifest.withLocation(file, lineOf(pathKeys(inManifest.path)));
    }
  }
}
