// Small internal builders shared by the constructs: every namespaced object gets its namespace explicitly.
import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { KubeSecret } from '../../imports/k8s';
import { sha256 } from '../model/_hash';
import { REGISTRY_NAMESPACE } from '../model/constants';

export interface SecretSpec {
  readonly name: string;
  /** @default d8-system */
  readonly namespace?: string;
  readonly type?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  /** Plain-text values; written base64-encoded under `data`, as the module does. */
  readonly data: Record<string, string>;
}

export function secret(scope: Construct, id: string, spec: SecretSpec): KubeSecret {
  const data: Record<string, string> = {};
  for (const key of Object.keys(spec.data).sort()) data[key] = Buffer.from(spec.data[key], 'utf8').toString('base64');
  return new KubeSecret(scope, id, {
    metadata: { name: spec.name, namespace: spec.namespace ?? REGISTRY_NAMESPACE, labels: spec.labels, annotations: spec.annotations },
    type: spec.type,
    data,
  });
}

/**
 * `registry.deckhouse.io/config-checksum` by the module's recipe (errata §1e): the format string has two `%s` and one
 * argument, so the hashed text is the rendered Secret followed by `%!s(MISSING)`; sha256 hex, hashed again.
 */
export function configChecksum(renderedSecret: string): string {
  return sha256(sha256(`${renderedSecret}%!s(MISSING)`));
}

/** Keeps every API object under `scope` out of Flux's post-build substitution (only the ModuleConfig has variables). */
export function disableFluxSubstitution(scope: Construct): void {
  for (const o of scope.node.findAll()) if (o instanceof ApiObject) o.metadata.addAnnotation('kustomize.toolkit.fluxcd.io/substitute', 'disabled');
}

/** cdk8s copies a chart's namespace onto cluster-scoped objects; refuse such a chart instead of emitting bad YAML. */
export function assertClusterScope(scope: Construct, kind: string): void {
  const ns = Chart.of(scope).namespace;
  if (ns !== undefined) {
    throw new Error(`${scope.node.path}: ${kind} is cluster-scoped, but the chart has namespace "${ns}"; create the chart without a namespace (every registry object sets its own)`);
  }
}
