// Per-node auth/distribution pairs for tests whose control-plane nodes differ from the examples': issued with openssl
// by the test CA, once per (name, address) and process. Nodes the examples use come from the committed fixtures.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ControlPlaneNode, NodeServicesCertificates, RegistryPki } from '../../lib';
import { TEST_NODE_PKI } from '../../examples/fixtures/test-node-pki';
import { TEST_PKI } from '../../examples/fixtures/test-pki';
import { scratchDir } from './scratch';

const FIXTURE_ADDRESSES: Record<string, string> = { 'master-0': '10.0.0.10', 'master-1': '10.0.0.11', 'master-2': '10.0.0.12', 'master-9': '10.0.0.9' };
const issued = new Map<string, NodeServicesCertificates>();

function issue(address: string): NodeServicesCertificates {
  const dir = scratchDir('node-pki-');
  try {
    fs.writeFileSync(path.join(dir, 'ca.crt'), `${TEST_PKI.ca.certificate.trim()}\n`);
    fs.writeFileSync(path.join(dir, 'ca.key'), `${TEST_PKI.ca.privateKey.trim()}\n`, { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'ext'), `subjectAltName=IP:127.0.0.1,IP:${address},DNS:localhost,DNS:registry.d8-system.svc\n`);
    const pair = (cn: string) => {
      const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] });
      run(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'k.pem']);
      run(['req', '-new', '-key', 'k.pem', '-subj', `/CN=${cn}`, '-out', 'r.csr']);
      run(['x509', '-req', '-in', 'r.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30', '-extfile', 'ext', '-out', 'c.pem']);
      return { certificate: fs.readFileSync(path.join(dir, 'c.pem'), 'utf8'), privateKey: fs.readFileSync(path.join(dir, 'k.pem'), 'utf8') };
    };
    return { auth: pair('registry-auth'), distribution: pair('registry-distribution') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Per-node pairs for the given control-plane nodes (fixtures where they match, else freshly issued). */
export function nodePkiFor(controlPlane: readonly ControlPlaneNode[]): { [node: string]: NodeServicesCertificates } {
  const out: { [node: string]: NodeServicesCertificates } = {};
  for (const n of controlPlane) {
    if (FIXTURE_ADDRESSES[n.name] === n.address) {
      out[n.name] = TEST_NODE_PKI[n.name];
      continue;
    }
    const key = `${n.name}\u0000${n.address}`;
    if (!issued.has(key)) issued.set(key, issue(n.address));
    out[n.name] = issued.get(key) as NodeServicesCertificates;
  }
  return out;
}

/** TEST_PKI with the per-node pairs of the given control-plane nodes. */
export function pkiFor(controlPlane: readonly ControlPlaneNode[] | undefined): RegistryPki {
  return controlPlane === undefined ? TEST_PKI : { ...TEST_PKI, nodes: nodePkiFor(controlPlane) };
}
