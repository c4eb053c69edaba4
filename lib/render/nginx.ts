// nginx.conf of the per-node `registry-proxy` load balancer (reference §10.2): TCP on 127.0.0.1:5001 spread over
// the control-plane nodes' registries. Addresses are validated IPv4 before they reach this text.
import { ControlPlaneFacts } from '../settings/cluster-facts';
import { REGISTRY_PORT } from '../model/constants';

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

export function registryProxyNginxConf(controlPlane: readonly ControlPlaneFacts[]): string {
  if (controlPlane.length === 0) throw new Error('registry-proxy: no control-plane nodes to balance over');
  // One server per entry of the payload's proxyEndpoints, in its order (addresses sorted as strings).
  const servers = controlPlane.map((n) => {
    if (!IPV4.test(n.address)) throw new Error(`registry-proxy: refusing address ${JSON.stringify(n.address)}`);
    return `${n.address}:${REGISTRY_PORT}`;
  }).sort().map((endpoint) => `    server ${endpoint};`);
  return [
    'user deckhouse;',
    'error_log stderr notice;',
    'pid /tmp/registry-proxy.pid;',
    'worker_processes 2;',
    'worker_rlimit_nofile 130048;',
    'worker_shutdown_timeout 10s;',
    '',
    'events {',
    '  multi_accept on;',
    '  use epoll;',
    '  worker_connections 16384;',
    '}',
    '',
    'stream {',
    '  upstream registry {',
    '    least_conn;',
    ...servers,
    '  }',
    '  server {',
    `    listen 127.0.0.1:${REGISTRY_PORT};`,
    '    proxy_pass registry;',
    '    proxy_timeout 1h;',
    '    proxy_connect_timeout 1s;',
    '  }',
    '}',
    '',
  ].join('\n');
}
