// The cluster facts as the model renders with them: the validated input, completed with what is derived from the
// given key material and, with the module, with what the module generates itself (marked MODULE_GENERATED).
import { ClusterInput, ControlPlaneFacts, Images, KeyPair, NodePki, PkiInput } from '../settings/cluster-facts';
import { DeliveryTarget, RegistryModeName } from '../settings/enums';
import { runsComponents } from '../settings/parsed-settings';
import { MODULE_GENERATED } from './constants';
import { deriveSecret } from './_secrets';

/** The PKI the model renders with (`completeCluster`): as given, with what is derived or generated filled in. */
export interface Pki extends PkiInput {
  readonly httpSecret: string;
  /**
   * The module generates the user passwords, the HTTP secret and every bcrypt hash itself (with the module): they are
   * `MODULE_GENERATED` then, and so is the key material when no PKI was given.
   */
  readonly moduleGenerated: boolean;
}


/** The cluster facts the model renders with: the validated input, its PKI completed. */
export interface Cluster extends Omit<ClusterInput, 'pki'> {
  readonly pki?: Pki;
}

const GENERATED_PAIR: KeyPair = { certificate: MODULE_GENERATED, privateKey: MODULE_GENERATED };
const GENERATED_IMAGES: Images = { dockerDistribution: MODULE_GENERATED, dockerAuth: MODULE_GENERATED, mirrorer: MODULE_GENERATED };

/** The PKI the module generates itself: every key, certificate and secret is the marker. */
function generatedPki(controlPlane: readonly ControlPlaneFacts[]): Pki {
  const nodes: Record<string, NodePki> = {};
  for (const n of controlPlane) nodes[n.name] = { auth: GENERATED_PAIR, distribution: GENERATED_PAIR };
  return {
    ca: GENERATED_PAIR, token: GENERATED_PAIR, auth: GENERATED_PAIR, distribution: GENERATED_PAIR, httpSecret: MODULE_GENERATED, nodes, moduleGenerated: true,
  };
}

/**
 * The cluster of a mode as rendered. Without the module (or for a mode that runs no components) the PKI is the one
 * given, with distribution's `http.secret` derived from the CA key unless given. With the module, for Direct, Proxy
 * and Local, the module generates the passwords, the HTTP secret and every hash itself, and its own PKI and knows its
 * image digests unless they are given: those values are MODULE_GENERATED.
 */
export function completeCluster(input: ClusterInput, mode: RegistryModeName): Cluster {
  const given = input.pki;
  if (input.target === DeliveryTarget.WITH_MODULE && runsComponents(mode)) {
    const pki = given === undefined ? generatedPki(input.controlPlane) : { ...given, httpSecret: given.httpSecret ?? MODULE_GENERATED, moduleGenerated: true };
    return { ...input, pki, images: input.images ?? GENERATED_IMAGES };
  }
  const pki = given && { ...given, httpSecret: given.httpSecret ?? deriveSecret(given.ca.privateKey, 'registry http.secret'), moduleGenerated: false };
  return { ...input, pki, images: input.images };
}
