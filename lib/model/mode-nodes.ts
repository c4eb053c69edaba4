// What every node of a group receives for a mode: the routing and, for Proxy and Local, the static pods.
// (Model-level decision; the files themselves are rendered in lib/render.)
import { Cluster, Pki } from '../settings/_cluster';
import { isNodeServicesMode, Settings } from '../settings/_registry-settings';
import { nodeServicesRouting, registryUsers } from './node-services';
import { Routing, routingFor } from './routing';

export interface ModeNodes {
  readonly routing?: Routing;
  /** Whether nodes run the registry-proxy load balancer and the control-plane group the node services. */
  readonly nodeServices: boolean;
}


/** The node routing of a mode (Proxy and Local need the PKI: the read-only user and the registry CA). */
export function modeNodes(settings: Settings, cluster: Pick<Cluster, 'pki'>): ModeNodes {
  if (isNodeServicesMode(settings)) {
    const pki = cluster.pki as Pki;
    const ro = registryUsers(settings.mode, pki).find((u) => u.name === 'ro');
    return { routing: nodeServicesRouting(ro as NonNullable<typeof ro>, pki.ca.certificate), nodeServices: true };
  }
  return { routing: routingFor(settings), nodeServices: false };
}
