import { isMap, LineCounter, parseAllDocuments } from 'yaml';
import { RegistryMode } from './registry-mode';

/**
 * Registry settings read from an existing `ModuleConfig/deckhouse` manifest, so a Deckhouse user renders the same
 * output from the ModuleConfig they already have.
 */
export class RegistrySettings {
  /**
   * Parses YAML text holding `ModuleConfig/deckhouse` (other documents are ignored) and validates its
   * `spec.settings.registry`. Errors name the file, the line and the field, e.g.
   * `moduleconfig.yaml:12: spec.settings.registry.direct.imagesRepo: expected …`.
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
      if (err !== undefined) {
        const pos = lines.linePos(err.pos[0]);
        throw new Error(`${file}:${pos.line}:${pos.col}: invalid YAML: ${err.message.split('\n')[0]}`);
      }
    }
    const matches = docs.filter((d) => {
      const o = d.toJS() as Record<string, any> | null;
      return o !== null && typeof o === 'object' && o.kind === 'ModuleConfig' && o.metadata?.name === 'deckhouse';
    });
    if (matches.length !== 1) {
      throw new Error(`${file}: expected exactly one ModuleConfig named "deckhouse" (apiVersion deckhouse.io/v1alpha1), found ${matches.length}`);
    }
    const doc = matches[0];
    const root = doc.toJS() as Record<string, any>;
    const registry = root.spec?.settings?.registry;
    // The line of the deepest key of `path` that exists (a missing field points at its parent's key).
    const lineOf = (path: readonly string[]): number => {
      for (let n = path.length; n > 0; n--) {
        const parent = n > 1 ? doc.getIn(path.slice(0, n - 1), true) : doc.contents;
        if (!isMap(parent)) continue;
        const pair = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === path[n - 1]);
        const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
        if (range !== undefined) return lines.linePos(range[0]).line;
      }
      return 1;
    };
    try {
      return RegistryMode._fromDocument(registry, root);
    } catch (e) {
      const message = (e as Error).message;
      const m = message.match(/^(registry(?:\.[A-Za-z0-9_]+)*): /);
      const fieldPath = m ? m[1].split('.') : ['registry'];
      const yamlPath = ['spec', 'settings', ...fieldPath];
      throw new Error(`${file}:${lineOf(yamlPath)}: spec.settings.${message}`);
    }
  }
}
