"""Credential and rewrite end-to-end run for containerd-auth.test.ts (stdlib + python3-grpcio via _cri.py).

  _auth_e2e.py SCENARIO_JSON            (re-executes itself in `unshare --net --mount`; needs root)

SCENARIO_JSON:
  {"containerd": "<dir with containerd and ctr>",
   "push": ["deckhouse/ee", ...],                      repositories that get the test image (tag v1)
   "caFiles": ["<path>", ...],                         files overwritten with the run's CA certificate
   "gates": [{"name", "port", "tls": bool, "auth": "none|basic|bearer", "users": [[u, p]],
              "identityTokens": {"<token>": "<user>"}, "tlsProbe": "status|close"}],
   "cases": [{"name", "tree": "<dir holding etc/containerd>", "config": "etc/containerd/<file>.toml",
              "pull": "<image ref>", "client": "cri|ctr", "gates": {"<name>": "up|503|down"},
              "systemTrust": bool,                   true: the run's CA is the daemon's system trust store
              "criAuth": [user, password]}]}         credentials in the CRI PullImage request (as kubelet sends)
Every case: the tree's etc/containerd is bind-mounted on /etc/containerd (private mount namespace), the
daemon starts on a private copy of the config (own root, state, socket; SSL_CERT_FILE = the run's throw-away
CA when the case sets systemTrust, so https mirrors that rely on system roots trust the gates; else an
empty store), gates get the case's modes (default "up"),
then one pull: CRI PullImage (as kubelet sends it, without credentials) or `ctr images pull --hosts-dir
/etc/containerd/registry.d`. Each https gate presents a certificate for 127.0.0.1 from that CA, which is
written to <scenario dir>/ca.crt and over every "caFiles" entry (where a bundle's `ca` points) before the
cases run.

Output (stdout, one JSON document): {"containerd": version, "revision", "imageId", "seconds",
  "cases": [{"name", "pull": {"ok", "imageRef", "error"}, "events": [gate events, in order],
             "daemonLog": [telling lines], "seconds"}]}
Exit 2 on harness errors.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import _gate  # noqa: E402
import _push_image  # noqa: E402

BACKEND = ('127.0.0.1', 5290)
NODE_ETC = '/etc/containerd'
TELLING = re.compile(r'failed to decode|invalid .host. tree|unable to read CA|will try HTTPS first|'
                     r'must be a single table|must be an array|auth:|rewrite \d')


def die(msg):
    sys.stderr.write('auth-e2e: ERROR: %s\n' % msg)
    sys.exit(2)


def log(msg):
    sys.stderr.write('auth-e2e: %s\n' % msg)


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def make_pki(d):
    """A throw-away CA and a server certificate for 127.0.0.1 (EC keys: fast)."""
    os.makedirs(d, exist_ok=True)
    steps = [
        ['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
         '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=auth-e2e test CA'],
        ['openssl', 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
         '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'],
    ]
    for s in steps:
        r = run(s, cwd=d)
        if r.returncode != 0:
            die('openssl: %s' % r.stderr[-300:])
    with open(os.path.join(d, 'ext.cnf'), 'w') as f:
        f.write('subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n')
    r = run(['openssl', 'x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
             '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf'], cwd=d)
    if r.returncode != 0:
        die('openssl x509: %s' % r.stderr[-300:])


def start_backend(work):
    cfg = os.path.join(work, 'registry.yml')
    with open(cfg, 'w') as f:
        f.write('version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\n'
                '  delete:\n    enabled: true\nhttp:\n  addr: %s:%d\n' % (os.path.join(work, 'storage'), *BACKEND))
    out = open(os.path.join(work, 'registry.log'), 'w')
    p = subprocess.Popen(['docker-registry', 'serve', cfg], stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                         preexec_fn=lambda: __import__('ctypes').CDLL(None).prctl(1, signal.SIGKILL))
    return p


def push(repos):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    base = 'http://%s:%d' % BACKEND

    def call(method, url, data=None, ctype=None):
        r = urllib.request.Request(url, data=data, method=method)
        if ctype:
            r.add_header('Content-Type', ctype)
        with opener.open(r, timeout=10) as resp:
            resp.read()
            return resp

    deadline = time.monotonic() + 15
    while True:
        try:
            call('GET', base + '/v2/')
            break
        except OSError as e:
            if time.monotonic() > deadline:
                die('backend registry did not come up: %s' % e)
            time.sleep(0.05)
    layer, config, manifest = _push_image.build_image()
    for repo in repos:
        for blob in (layer, config):
            loc = urllib.parse.urljoin(base, call('POST', '%s/v2/%s/blobs/uploads/' % (base, repo)).headers['Location'])
            call('PUT', loc + ('&' if '?' in loc else '?') + 'digest=' + _push_image.sha(blob), blob,
                 'application/octet-stream')
        call('PUT', '%s/v2/%s/manifests/v1' % (base, repo), manifest, _push_image.OCI_MANIFEST)
    return _push_image.sha(config)


def unmount_under(path):
    with open('/proc/self/mountinfo') as f:
        points = [line.split()[4] for line in f]
    for p in sorted((p for p in points if p.startswith(path.rstrip('/') + '/')), reverse=True):
        run(['umount', '-l', p])


def run_case(case, bins, work, stubs, gates, events, lock, ca, major):
    t0 = time.monotonic()
    etc = os.path.join(case['tree'], 'etc', 'containerd')
    if run(['mount', '--bind', etc, NODE_ETC]).returncode != 0:
        die('bind mount %s' % etc)
    d = tempfile.mkdtemp(prefix='c.', dir=work)
    daemon = None
    result = {'name': case['name']}
    try:
        cfg = os.path.join(d, 'config.toml')
        shutil.copy(os.path.join(NODE_ETC, os.path.relpath(case['config'], 'etc/containerd')), cfg)
        with open(cfg, 'a') as f:
            f.write('\n[plugins."io.containerd.internal.v1.opt"]\n  path = "%s"\n' % os.path.join(d, 'opt'))
            if major >= 2:   # NRI is on by default in 2.x; its socket is a host path
                f.write('\n[plugins."io.containerd.nri.v1.nri"]\n  disable = true\n')
        for name, g in gates.items():
            g.set_mode(case.get('gates', {}).get(name, 'up'))
        sock = os.path.join(d, 'sock')
        logf = open(os.path.join(d, 'containerd.log'), 'w')
        env = dict(os.environ, PATH=bins + ':' + os.environ.get('PATH', ''))
        # an empty trust store unless the case lets the gates' CA stand in for the system roots
        env['SSL_CERT_FILE'] = ca if case.get('systemTrust') else os.path.join(work, 'pki', 'empty.pem')
        for k in ('http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'all_proxy'):
            env.pop(k, None)
        daemon = subprocess.Popen([os.path.join(bins, 'containerd'), '--config', cfg, '--root', os.path.join(d, 'root'),
                                   '--state', os.path.join(d, 'state'), '--address', sock, '--log-level', 'debug'],
                                  stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, env=env)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if daemon.poll() is not None:
                break
            if os.path.exists(sock) and run([os.path.join(bins, 'ctr'), '-a', sock, '--connect-timeout', '2s',
                                             'version']).returncode == 0:
                break
            time.sleep(0.03)
        with lock:
            mark = len(events)
        if case.get('client', 'cri') == 'ctr':
            r = run([os.path.join(bins, 'ctr'), '-a', sock, '-n', 'k8s.io', 'images', 'pull', '--hosts-dir',
                     NODE_ETC + '/registry.d', case['pull']], env=env, timeout=120)
            ok = r.returncode == 0
            img = None
            if ok:
                ls = run([os.path.join(bins, 'ctr'), '-a', sock, '-n', 'k8s.io', 'images', 'ls'], env=env).stdout
                m = re.search(r'(sha256:[0-9a-f]{64})', ls)
                img = m.group(1) if m else None
            result['pull'] = {'ok': ok, 'imageRef': None, 'manifestDigest': img,
                              'error': None if ok else (r.stderr.strip().splitlines() or ['?'])[-1][:500]}
        else:
            cri_env = dict(env)
            if case.get('criAuth'):   # kubelet-style AuthConfig in the PullImage request
                cri_env['CRI_USER'], cri_env['CRI_PASSWORD'] = case['criAuth']
            r = run(['/usr/bin/python3', os.path.join(HERE, '_cri.py'), 'pull', stubs, sock, case['pull']], env=cri_env,
                    timeout=120)
            try:
                result['pull'] = json.loads(r.stdout)
            except ValueError:
                result['pull'] = {'ok': False, 'imageRef': None, 'error': 'cri client: ' + r.stderr[-300:]}
        time.sleep(0.1)   # the gate records a request after answering it
        with lock:
            result['events'] = events[mark:]
    finally:
        if daemon is not None:
            daemon.terminate()
            try:
                daemon.wait(10)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
        unmount_under(d)
        if run(['umount', NODE_ETC]).returncode != 0:
            run(['umount', '-l', NODE_ETC])
    with open(os.path.join(d, 'containerd.log'), errors='replace') as f:
        result['daemonLog'] = [line.strip()[:400] for line in f if TELLING.search(line)][:20]
    shutil.rmtree(d, ignore_errors=True)
    result['seconds'] = round(time.monotonic() - t0, 2)
    return result


def inner(path):
    t0 = time.monotonic()
    with open(path) as f:
        sc = json.load(f)
    if run(['ip', 'link', 'set', 'lo', 'up']).returncode != 0:
        die('cannot bring up lo')
    run(['mount', '-t', 'tmpfs', '-o', 'mode=0755,size=64m', 'auth-e2e-run', '/run'])
    work = tempfile.mkdtemp(prefix='auth-e2e.')
    created_etc = False
    backend = None
    try:
        make_pki(os.path.join(work, 'pki'))
        open(os.path.join(work, 'pki', 'empty.pem'), 'w').close()
        ca = os.path.join(os.path.dirname(path), 'ca.crt')
        shutil.copy(os.path.join(work, 'pki', 'ca.crt'), ca)
        for target in sc.get('caFiles', []):   # a bundle's `ca` file now holds the run's CA
            shutil.copy(ca, target)
        stubs = os.path.join(work, 'cri')
        compile_stubs = subprocess.Popen(['/usr/bin/python3', os.path.join(HERE, '_cri.py'), 'compile', stubs],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        backend = start_backend(work)
        image_id = push(sc['push'])
        if compile_stubs.wait() != 0:
            die('CRI stub compilation failed')
        events, lock = [], threading.Lock()
        tls = (os.path.join(work, 'pki', 'server.crt'), os.path.join(work, 'pki', 'server.key'))
        gates = {}
        for g in sc['gates']:
            gates[g['name']] = _gate.Gate(g['name'], g['port'], BACKEND, auth=g.get('auth', 'basic'),
                                          users=g.get('users', []), identity_tokens=g.get('identityTokens'),
                                          tls=tls if g.get('tls') else None, tls_probe=g.get('tlsProbe', 'status'),
                                          events=events, lock=lock)
        if not os.path.isdir(NODE_ETC):
            os.makedirs(NODE_ETC)
            created_etc = True
        bins = sc['containerd']
        version = run([os.path.join(bins, 'containerd'), '--version']).stdout.split()
        major = int(version[2].split('.')[0]) if len(version) > 2 and version[2][:1].isdigit() else 1
        cases = []
        for c in sc['cases']:
            r = run_case(c, bins, work, stubs, gates, events, lock, ca, major)
            log('case %s: %s in %.2fs' % (c['name'], 'ok' if r['pull']['ok'] else 'FAILED ' + str(r['pull']['error'])[:200], r['seconds']))
            cases.append(r)
        for g in gates.values():
            g.set_mode('down')
        print(json.dumps({'containerd': version[2] if len(version) > 2 else '?',
                          'revision': version[3] if len(version) > 3 else '?', 'imageId': image_id,
                          'seconds': round(time.monotonic() - t0, 2), 'cases': cases}))
    finally:
        if backend is not None:
            backend.terminate()
            backend.wait()
        if created_etc:
            os.rmdir(NODE_ETC)
        shutil.rmtree(work, ignore_errors=True)


def main(argv):
    if len(argv) != 1:
        sys.exit(__doc__)
    if os.environ.get('AUTH_E2E_INNER') == '1':
        inner(argv[0])
        return 0
    if os.getuid() != 0:
        die('must run as root')
    env = dict(os.environ, AUTH_E2E_INNER='1', PYTHONDONTWRITEBYTECODE='1')
    return subprocess.call(['unshare', '--net', '--mount', '--propagation', 'private', '--',
                            '/usr/bin/python3', os.path.abspath(__file__), argv[0]], env=env)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
