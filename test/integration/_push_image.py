"""_push_image.py: registry readiness and the test image for node-e2e.sh (stdlib only).

  _push_image.py --wait-http NAME=PID=URL...
      waits (up to NODE_E2E_WAIT_SECONDS, default 15 s, for all together) until every registry answers
      GET <URL>/v2/ with any HTTP status (the certificate is not verified); gives up on one as soon as its process
      PID has died. Prints one line per registry: NAME<TAB>ok or NAME<TAB><reason>. Exit 0 either way.
  _push_image.py --wait-tcp PID ADDR...
      waits until every ADDR (host:port) accepts a TCP connection; exit 1 with a message when PID dies or the
      time is up.
  _push_image.py SCENARIO_DIR
      waits until every registry of SCENARIO_DIR/scenario.json answers GET /v2/ on 127.0.0.1:<port> (https when
      "tls" is set; the certificate is not verified here) or, when NODE_E2E_REGISTRY_URLS="name=url ..." is set,
      every registry listed there (node-e2e.sh lists the ones that started), builds ONE tiny one-layer OCI image
      and pushes it with the registry HTTP API (monolithic blob upload, then PUT manifest by tag) to every
      "images" entry. Prints {"imageId": <config digest>, "manifestDigest": ...} on stdout. Exit 1 with a message
      on failure.
"""
import gzip
import hashlib
import io
import json
import os
import platform
import socket
import ssl
import sys
import tarfile
import time
import urllib.error
import urllib.parse
import urllib.request

WAIT_SECONDS = float(os.environ.get('NODE_E2E_WAIT_SECONDS', '15'))
OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'


def sha(b):
    return 'sha256:' + hashlib.sha256(b).hexdigest()


def alive(pid):
    try:
        with open('/proc/%s/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except (OSError, IndexError):
        return False


def http(specs):
    insecure = ssl.create_default_context()
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                         urllib.request.HTTPSHandler(context=insecure))
    pending, result, last = {}, {}, {}
    for spec in specs:
        name, pid, url = spec.split('=', 2)
        pending[name] = (pid, url)
    deadline = time.monotonic() + WAIT_SECONDS
    while pending:
        for name, (pid, url) in list(pending.items()):
            try:
                with opener.open(url + '/v2/', timeout=3) as resp:
                    resp.read()
                result[name] = 'ok'
            except urllib.error.HTTPError:  # 401 and the like: the server is up
                result[name] = 'ok'
            except (OSError, urllib.error.URLError) as e:
                last[name] = str(getattr(e, 'reason', e))
                if not alive(pid):
                    result[name] = 'exited during start-up'
                elif time.monotonic() > deadline:
                    result[name] = 'did not answer %s/v2/ within %gs: %s' % (url, WAIT_SECONDS, last[name])
            if name in result:
                del pending[name]
        if pending:
            time.sleep(0.03)
    for spec in specs:
        name = spec.split('=', 1)[0]
        print('%s\t%s' % (name, result[name]))


def tcp(pid, addrs):
    deadline = time.monotonic() + WAIT_SECONDS
    for addr in addrs:
        host, port = addr.rsplit(':', 1)
        while True:
            try:
                socket.create_connection((host.strip('[]'), int(port)), timeout=1).close()
                break
            except OSError as e:
                if not alive(pid):
                    sys.exit('process %s exited before %s accepted connections' % (pid, addr))
                if time.monotonic() > deadline:
                    sys.exit('%s did not accept a TCP connection within %gs: %s' % (addr, WAIT_SECONDS, e))
                time.sleep(0.03)


def build_image():
    """Deterministic image: the same bytes (and so the same image id) on every run of one architecture."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode='w', format=tarfile.PAX_FORMAT) as t:
        d = tarfile.TarInfo('etc')
        d.type, d.mode, d.mtime = tarfile.DIRTYPE, 0o755, 0
        t.addfile(d)
        body = b'registry-cdk8s node-e2e test image\n'
        f = tarfile.TarInfo('etc/node-e2e.txt')
        f.size, f.mode, f.mtime = len(body), 0o644, 0
        t.addfile(f, io.BytesIO(body))
    raw = raw.getvalue()
    layer = gzip.compress(raw, mtime=0)
    arch = {'x86_64': 'amd64', 'aarch64': 'arm64', 'armv7l': 'arm', 'ppc64le': 'ppc64le', 's390x': 's390x',
            'riscv64': 'riscv64'}.get(platform.machine(), platform.machine())
    config = json.dumps({'architecture': arch, 'os': 'linux', 'config': {'Cmd': ['/bin/true']},
                         'rootfs': {'type': 'layers', 'diff_ids': [sha(raw)]}}, sort_keys=True).encode()
    manifest = json.dumps({
        'schemaVersion': 2, 'mediaType': OCI_MANIFEST,
        'config': {'mediaType': 'application/vnd.oci.image.config.v1+json', 'digest': sha(config),
                   'size': len(config)},
        'layers': [{'mediaType': 'application/vnd.oci.image.layer.v1.tar+gzip', 'digest': sha(layer),
                    'size': len(layer)}]}, sort_keys=True).encode()
    return layer, config, manifest


def main(scenario_dir):
    with open(os.path.join(scenario_dir, 'scenario.json')) as f:
        sc = json.load(f)
    insecure = ssl.create_default_context()
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                         urllib.request.HTTPSHandler(context=insecure))

    def call(method, url, data=None, ctype=None, headers=None):
        r = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        if ctype:
            r.add_header('Content-Type', ctype)
        with opener.open(r, timeout=10) as resp:
            resp.read()
            return resp

    # NODE_E2E_REGISTRY_URLS="name=url ...": the registries that are up (node-e2e.sh); else from scenario.json
    urls = os.environ.get('NODE_E2E_REGISTRY_URLS')
    if urls is not None:
        base = dict(u.split('=', 1) for u in urls.split() if '=' in u)
    else:
        base = {r['name']: '%s://127.0.0.1:%d' % ('https' if r.get('tls') else 'http', r['port'])
                for r in sc['registries']}
    # NODE_E2E_REGISTRY_PIDS="name=pid ...": stop waiting as soon as a registry process has died
    pids = dict(p.split('=', 1) for p in os.environ.get('NODE_E2E_REGISTRY_PIDS', '').split() if '=' in p)
    deadline = time.monotonic() + WAIT_SECONDS
    for name, url in base.items():
        while True:
            try:
                call('GET', url + '/v2/')
                break
            except (OSError, urllib.error.URLError) as e:
                if name in pids and not alive(pids[name]):
                    sys.exit('registry %s (%s) exited during start-up' % (name, url))
                if time.monotonic() > deadline:
                    sys.exit('registry %s (%s) did not answer /v2/ within %ds: %s' % (name, url, WAIT_SECONDS, e))
                time.sleep(0.03)

    layer, config, manifest = build_image()
    for img in sc['images']:
        if img['registry'] not in base:
            sys.exit('registry %s is not up: cannot push %s:%s' % (img['registry'], img['repository'], img['tag']))
        b, repo, tag = base[img['registry']], img['repository'], img['tag']
        try:
            for blob in (layer, config):
                loc = call('POST', '%s/v2/%s/blobs/uploads/' % (b, repo)).headers['Location']
                loc = urllib.parse.urljoin(b, loc)
                call('PUT', loc + ('&' if '?' in loc else '?') + 'digest=' + sha(blob), blob,
                     'application/octet-stream')
            call('PUT', '%s/v2/%s/manifests/%s' % (b, repo, tag), manifest, OCI_MANIFEST)
            got = call('HEAD', '%s/v2/%s/manifests/%s' % (b, repo, tag),
                       headers={'Accept': OCI_MANIFEST}).headers.get('Docker-Content-Digest')
        except (OSError, urllib.error.URLError) as e:
            sys.exit('push of %s/%s:%s failed: %s' % (img['registry'], repo, tag, e))
        if got != sha(manifest):
            sys.exit('registry %s serves %s:%s as %s, pushed %s' % (img['registry'], repo, tag, got, sha(manifest)))
    print(json.dumps({'imageId': sha(config), 'manifestDigest': sha(manifest)}))


if __name__ == '__main__':
    if len(sys.argv) >= 3 and sys.argv[1] == '--wait-http':
        http(sys.argv[2:])
    elif len(sys.argv) >= 4 and sys.argv[1] == '--wait-tcp':
        tcp(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) == 2 and not sys.argv[1].startswith('-'):
        main(sys.argv[1])
    else:
        sys.exit(__doc__)
