"""Scenario helper for node-e2e.sh (stdlib only; python3-yaml only for registries with a "config").

  _scenario.py plan SCENARIO_DIR WORK_DIR OUT_DIR
      Validates SCENARIO_DIR/scenario.json and prepares the run: every registry's distribution config in
      WORK_DIR/reg/<name>/config.yml (an adapted caller config is also copied to OUT_DIR/registries/
      <name>.config.yml), every registry's facts in OUT_DIR/registries/<name>.json, the nginx config copy in
      WORK_DIR/nginx/nginx.conf (facts in OUT_DIR/nginx/meta.json) and, when nginx's user or group is
      missing, copies of /etc/passwd and /etc/group in WORK_DIR/etc/ that add it. Prints a tab-separated plan:
        M <target> <source>                 bind mount of a scenario "mounts" entry (parents first)
        F <target> <source>                 file overlay (/etc/passwd, /etc/group copies)
        R <name> <addr> <url> <config> <proxy 0|1> <generated 1|0>
                                            one line per registry; generated=0: from a caller's config
        N <config copy> <listen,...> <daemon directive in the config: on|off|-> <pid file>
        C <name> <tree etc/containerd dir> <config path relative to etc/containerd> <pull reference> <pulls>
  _scenario.py report SCENARIO_DIR CONTAINERD_VERSION IMAGE_ID SECONDS
      Assembles the result JSON from what the shell left in SCENARIO_DIR/out/.

Exit code 2 with a message on stderr on invalid input.
"""
import json
import os
import pwd
import grp
import re
import subprocess
import sys

NODE_CONFIG_PATH = '/etc/containerd/registry.d'
SAFE_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]*$')
ADDR = re.compile(r'^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}):(\d{1,5})$')
ACCESS_LINE = re.compile(r'"([A-Z]+) (\S+) HTTP/[0-9.]+" (\d{3}) ')
DAEMON_LOG = re.compile(r'failed to decode|invalid .host. tree|unable to read CA')
STORAGE_DRIVERS = ('inmemory', 's3', 'azure', 'gcs', 'swift', 'oss')
NGINX_BIN = os.environ.get('NGINX_BIN', 'nginx')
STREAM_MODULE = os.environ.get('NGINX_STREAM_MODULE', '/usr/lib/nginx/modules/ngx_stream_module.so')
NGINX_ID = 64535            # uid/gid given to a missing nginx user/group (the id Deckhouse uses)
MAX_PULLS = 50
# paths a "mounts" target may not be, be inside or contain (the harness or the system needs them)
PROTECTED = ('/etc/containerd', '/etc/passwd', '/etc/group', '/run', '/proc', '/sys', '/dev', '/tmp', '/usr',
             '/bin', '/sbin', '/lib', '/lib64', '/var/lib/containerd', '/var/tmp')


def fail(msg):
    sys.stderr.write('scenario: %s\n' % msg)
    sys.exit(2)


def load(scenario_dir):
    path = os.path.join(scenario_dir, 'scenario.json')
    try:
        with open(path) as f:
            sc = json.load(f)
    except (OSError, ValueError) as e:
        fail('cannot read %s: %s' % (path, e))
    if not isinstance(sc, dict):
        fail('%s: not a JSON object' % path)
    for key in ('registries', 'images', 'cases'):
        if not isinstance(sc.get(key), list):
            fail('%s: "%s" must be a list' % (path, key))
    return sc


def read(path, default=''):
    try:
        with open(path, errors='replace') as f:
            return f.read()
    except OSError:
        return default


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)
    os.chmod(path, mode)


def plain_string(value):
    return isinstance(value, str) and value and not re.search(r'[\t\n\r]', value)


def registry_addr(r, name):
    port, addr = r.get('port'), r.get('addr')
    if port is not None and (isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535):
        fail('registry %s: invalid port: %r' % (name, port))
    if addr is None:
        if port is None:
            fail('registry %s: needs "port" or "addr"' % name)
        return '127.0.0.1:%d' % port
    m = ADDR.match(addr) if isinstance(addr, str) else None
    if not m or any(int(x) > 255 for x in m.groups()[:3]) or not 1 <= int(m.group(4)) <= 65535:
        fail('registry %s: "addr" must be 127.x.y.z:port: %r' % (name, addr))
    if port is not None and int(m.group(4)) != port:
        fail('registry %s: "port" %d and "addr" %s disagree' % (name, port, addr))
    return '%d.%d.%d.%d:%d' % tuple(int(x) for x in ('127',) + m.groups())


def generated_config(addr, data_dir, cert, key):
    """The config node-e2e.sh always wrote for a registry without "config" (JSON strings are YAML strings)."""
    q = json.dumps
    text = ('version: 0.1\nlog: {level: info, accesslog: {disabled: false}}\n'
            'storage:\n  filesystem: {rootdirectory: %s}\n'
            '  maintenance: {uploadpurging: {enabled: false}}\n'
            'http:\n  addr: %s\n  secret: node-e2e\n' % (q(data_dir), q(addr)))
    if cert:
        text += '  tls: {certificate: %s, key: %s}\n' % (q(cert), q(key))
    return text


def adapted_config(name, src, addr, data_dir, cert, key):
    """Loads a caller's distribution config and changes only what a loopback test run needs.

    Returns (yaml text, adapted list, remote url of a pull-through cache or None, https?)."""
    try:
        import yaml
    except ImportError:
        fail('registry %s: a "config" needs python3-yaml (apt-get install python3-yaml)' % name)
    try:
        with open(src) as f:
            cfg = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        fail('registry %s: cannot load %s: %s' % (name, src, e))
    if not isinstance(cfg, dict):
        fail('registry %s: %s is not a YAML mapping' % (name, src))
    adapted = []
    http = cfg.get('http')
    if not isinstance(http, dict):
        http = cfg['http'] = {}
    http['addr'] = addr
    adapted.append('http.addr')
    storage = cfg.get('storage')
    if not isinstance(storage, dict):
        storage = cfg['storage'] = {}
    for driver in STORAGE_DRIVERS:
        if driver in storage:
            del storage[driver]
            adapted.append('storage.%s removed' % driver)
    if not isinstance(storage.get('filesystem'), dict):
        storage['filesystem'] = {}
    storage['filesystem']['rootdirectory'] = data_dir
    adapted.append('storage.filesystem.rootdirectory')
    if 'debug' in http:  # its own listener (127.0.0.1:5002 in Deckhouse's config) would clash between registries
        del http['debug']
        adapted.append('http.debug removed')
    if 'auth' in cfg:    # token auth needs Deckhouse's docker_auth server
        del cfg['auth']
        adapted.append('auth removed')
    log = cfg.get('log')
    if isinstance(log, dict) and isinstance(log.get('accesslog'), dict) and log['accesslog'].get('disabled'):
        log['accesslog']['disabled'] = False  # the request lists are read from the access log
        adapted.append('log.accesslog enabled')
    if cert:
        tls = http.get('tls') if isinstance(http.get('tls'), dict) else {}
        tls.update(certificate=cert, key=key)
        http['tls'] = tls
        adapted.append('http.tls from scenario')
    tls = http.get('tls')
    if isinstance(tls, dict):  # relative paths: relative to the config file, absolute ones via "mounts"
        base = os.path.dirname(src)
        for k in ('certificate', 'key'):
            if isinstance(tls.get(k), str) and tls[k] and not os.path.isabs(tls[k]):
                tls[k] = os.path.normpath(os.path.join(base, tls[k]))
                adapted.append('http.tls.%s resolved' % k)
        if isinstance(tls.get('clientcas'), list):
            cas = [os.path.normpath(os.path.join(base, p)) if isinstance(p, str) and not os.path.isabs(p) else p
                   for p in tls['clientcas']]
            if cas != tls['clientcas']:
                tls['clientcas'] = cas
                adapted.append('http.tls.clientcas resolved')
    https = isinstance(tls, dict) and bool(tls.get('certificate'))
    proxy = cfg.get('proxy')
    remote = proxy.get('remoteurl') if isinstance(proxy, dict) else None
    text = yaml.safe_dump(cfg, default_flow_style=False, sort_keys=False)
    return text, adapted, (remote or None), https


def nginx_plan(sc, scenario_dir, work_dir, out_dir, registry_addrs):
    """Copy of the caller's nginx config that runs here, plus passwd/group copies for its user."""
    ng = sc['nginx']
    if not isinstance(ng, dict) or not plain_string(ng.get('config')):
        fail('"nginx" must be {"config": "<path relative to the scenario dir>"}')
    src = os.path.normpath(os.path.join(scenario_dir, ng['config']))
    if not os.path.isfile(src):
        fail('nginx: file not found: %s' % src)
    text = read(src)
    try:
        version = subprocess.run([NGINX_BIN, '-V'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 universal_newlines=True, check=False).stdout
    except OSError as e:
        fail('nginx: cannot run %s: %s (apt-get install nginx libnginx-mod-stream)' % (NGINX_BIN, e))
    conf, adapted, rows = text, [], []
    if re.search(r'^\s*stream\s*\{', text, re.M) and '--with-stream=dynamic' in version \
            and not re.search(r'^\s*load_module\s+\S*ngx_stream_module\.so\s*;', text, re.M):
        if not os.path.isfile(STREAM_MODULE):
            fail('nginx: %s is missing (apt-get install libnginx-mod-stream)' % STREAM_MODULE)
        conf = 'load_module %s;\n' % STREAM_MODULE + conf
        adapted.append('load_module %s prepended' % STREAM_MODULE)
    pid = re.search(r'^([ \t]*)pid\s+([^;]+);', conf, re.M)
    if pid:  # e.g. /tmp/registry-proxy.pid: /tmp is the machine's, the copy's pid file stays in the work dir
        conf = conf[:pid.start()] + '%spid %s;' % (pid.group(1), os.path.join(work_dir, 'nginx', 'nginx.pid')) \
            + conf[pid.end():]
        adapted.append('pid %s -> work dir' % pid.group(2).strip())
    copy = os.path.join(work_dir, 'nginx', 'nginx.conf')
    write(copy, conf)
    write(os.path.join(out_dir, 'nginx', 'nginx.conf'), conf)

    listen = []
    for a in re.findall(r'^\s*listen\s+([^\s;]+)', text, re.M):
        m = re.match(r'^(?:(\*|0\.0\.0\.0|\[::\]|127\.\d+\.\d+\.\d+):)?(\d+)$', a)
        if m:
            host = m.group(1) if m.group(1) and m.group(1).startswith('127.') else '127.0.0.1'
            a = '%s:%s' % (host, m.group(2))
            if a not in listen:
                listen.append(a)
    if not listen:
        fail('nginx: %s has no "listen <127.x.y.z:>port" directive to wait for' % src)
    for a in listen:
        if a in registry_addrs:
            fail('nginx: listen %s clashes with a registry' % a)

    added = {}
    user = re.search(r'^\s*user\s+([^\s;]+)(?:\s+([^\s;]+))?\s*;', text, re.M)
    if user:
        uname, gname = user.group(1), user.group(2) or user.group(1)
        gid = None
        try:
            gid = grp.getgrnam(gname).gr_gid
        except KeyError:
            used = {g.gr_gid for g in grp.getgrall()}
            gid = next(i for i in range(NGINX_ID, 1000, -1) if i not in used)
            write(os.path.join(work_dir, 'etc', 'group'),
                  read('/etc/group').rstrip('\n') + '\n%s:x:%d:\n' % (gname, gid))
            added['group'] = '%s:%d' % (gname, gid)
            rows.append(['F', '/etc/group', os.path.join(work_dir, 'etc', 'group')])
        try:
            pwd.getpwnam(uname)
        except KeyError:
            used = {p.pw_uid for p in pwd.getpwall()}
            uid = next(i for i in range(NGINX_ID, 1000, -1) if i not in used)
            write(os.path.join(work_dir, 'etc', 'passwd'), read('/etc/passwd').rstrip('\n') +
                  '\n%s:x:%d:%d:node-e2e nginx user:/nonexistent:/usr/sbin/nologin\n' % (uname, uid, gid))
            added['user'] = '%s:%d' % (uname, uid)
            rows.append(['F', '/etc/passwd', os.path.join(work_dir, 'etc', 'passwd')])
    daemon = re.search(r'^\s*daemon\s+(on|off)\s*;', text, re.M)
    daemon = daemon.group(1) if daemon else '-'
    if pid:
        pid_file = os.path.join(work_dir, 'nginx', 'nginx.pid')
    else:  # the compiled-in default (/run/nginx.pid on Debian: /run is a private tmpfs in the harness)
        pid_file = (re.findall(r'--pid-path=(\S+)', version) or ['/run/nginx.pid'])[0]
    write(os.path.join(out_dir, 'nginx', 'meta.json'), json.dumps(
        {'config': ng['config'], 'adapted': adapted, 'listen': listen, 'addedUser': added.get('user'),
         'addedGroup': added.get('group'), 'work': os.path.join(work_dir, 'nginx')}))
    rows.append(['N', copy, ','.join(listen), daemon, pid_file])
    return rows


def mount_plan(sc, scenario_dir, work_dir):
    mounts = sc.get('mounts')
    if mounts is None:
        return []
    if not isinstance(mounts, dict):
        fail('"mounts" must be an object {"/absolute/node/path": "path relative to the scenario dir"}')
    rows = []
    for target in sorted(mounts, key=lambda t: (os.path.normpath(t).count('/'), t)):
        src = mounts[target]
        norm = os.path.normpath(target) if isinstance(target, str) else ''
        if not plain_string(target) or not target.startswith('/') or norm == '/' or not plain_string(src):
            fail('mounts: target must be an absolute path and source a path: %r -> %r' % (target, src))
        for p in PROTECTED + (scenario_dir, work_dir):
            if norm == p or norm.startswith(p + '/') or p.startswith(norm + '/'):
                fail('mounts: %s would cover or be inside %s, which the harness needs' % (target, p))
        source = os.path.normpath(os.path.join(scenario_dir, src))
        if not os.path.exists(source):
            fail('mounts: source not found: %s' % source)
        rows.append(['M', norm, source])
    return rows


def plan(scenario_dir, work_dir, out_dir):
    sc = load(scenario_dir)
    names, addrs, proxies, out = set(), set(), set(), []

    def existing(rel, what):
        p = os.path.normpath(os.path.join(scenario_dir, rel))
        if not os.path.isfile(p):
            fail('%s: file not found: %s' % (what, p))
        return p

    out += mount_plan(sc, scenario_dir, work_dir)
    regs = []
    for r in sc['registries']:
        if not isinstance(r, dict):
            fail('registry entry must be an object: %r' % (r,))
        name = r.get('name')
        if not isinstance(name, str) or not SAFE_NAME.match(name) or name in names:
            fail('registry name missing, duplicate or not [A-Za-z0-9._-]: %r' % (name,))
        addr = registry_addr(r, name)
        if addr in addrs:
            fail('registry %s: address %s is taken by another registry' % (name, addr))
        names.add(name)
        addrs.add(addr)
        cert = key = None
        if r.get('tls') is not None:
            tls = r['tls']
            if not isinstance(tls, dict) or not tls.get('certificate') or not tls.get('key'):
                fail('registry %s: tls needs "certificate" and "key"' % name)
            cert = existing(tls['certificate'], 'registry %s certificate' % name)
            key = existing(tls['key'], 'registry %s key' % name)
        regs.append((r, name, addr, cert, key))
    for r, name, addr, cert, key in regs:
        d = os.path.join(work_dir, 'reg', name)
        cfg_path = os.path.join(d, 'config.yml')
        meta = {'name': name, 'addr': addr, 'config': None, 'proxy': None, 'adapted': []}
        if r.get('config') is None:
            text, https, generated = generated_config(addr, os.path.join(d, 'data'), cert, key), bool(cert), 1
        else:
            if not plain_string(r['config']):
                fail('registry %s: "config" must be a path' % name)
            src = existing(r['config'], 'registry %s config' % name)
            text, meta['adapted'], meta['proxy'], https = adapted_config(name, src, addr, os.path.join(d, 'data'),
                                                                         cert, key)
            meta['config'], generated = r['config'], 0
            write(os.path.join(out_dir, 'registries', name + '.config.yml'), text, 0o600)
        os.makedirs(os.path.join(d, 'data'), exist_ok=True)
        write(cfg_path, text, 0o600)
        meta['url'] = '%s://%s' % ('https' if https else 'http', addr)
        write(os.path.join(out_dir, 'registries', name + '.json'), json.dumps(meta))
        if meta['proxy']:
            proxies.add(name)
        out.append(['R', name, addr, meta['url'], cfg_path, '1' if meta['proxy'] else '0', str(generated)])
    for i in sc['images']:
        if not isinstance(i, dict) or i.get('registry') not in names or not i.get('repository') or not i.get('tag'):
            fail('image entry needs a known "registry", a "repository" and a "tag": %r' % (i,))
        if i['registry'] in proxies:
            fail('image entry %r: %s is a pull-through cache (push to its remote instead)' % (i, i['registry']))
    if not sc['images']:
        fail('no images')
    if sc.get('nginx') is not None:
        out += nginx_plan(sc, scenario_dir, work_dir, out_dir, addrs)
    cases = set()
    for c in sc['cases']:
        if not isinstance(c, dict):
            fail('case entry must be an object: %r' % (c,))
        name = c.get('name')
        if not isinstance(name, str) or not SAFE_NAME.match(name) or name in cases:
            fail('case name missing, duplicate or not [A-Za-z0-9._-]: %r' % (name,))
        cases.add(name)
        for k in ('tree', 'config', 'pull'):
            if not plain_string(c.get(k)):
                fail('case %s: "%s" must be a non-empty string' % (name, k))
        pulls = c.get('pulls', 1)
        if isinstance(pulls, bool) or not isinstance(pulls, int) or not 1 <= pulls <= MAX_PULLS:
            fail('case %s: "pulls" must be an integer 1..%d: %r' % (name, MAX_PULLS, pulls))
        etc = os.path.normpath(os.path.join(scenario_dir, c['tree'], 'etc', 'containerd'))
        if not os.path.isdir(etc):
            fail('case %s: directory not found: %s' % (name, etc))
        cfg = os.path.normpath(c['config'])
        if not cfg.startswith('etc/containerd/'):
            fail('case %s: "config" must be a path below etc/containerd/ of the tree: %r' % (name, c['config']))
        rel = cfg[len('etc/containerd/'):]
        if not os.path.isfile(os.path.join(etc, rel)):
            fail('case %s: config file not found: %s' % (name, os.path.join(etc, rel)))
        out.append(['C', name, etc, rel, c['pull'], str(pulls)])
    for row in out:
        print('\t'.join(row))


def config_path_section(dump):
    """TOML table header that holds config_path = NODE_CONFIG_PATH, quotes normalised to '"'."""
    header = None
    for line in dump.splitlines():
        s = line.strip()
        if s.startswith('['):
            header = re.sub(r'\s+', '', s.strip('[]')).replace("'", '"')
            continue
        m = re.match(r'config_path\s*=\s*(.*)$', s)
        if m and m.group(1).strip().strip('"\'') == NODE_CONFIG_PATH:
            return header
    return None


def cri_plugin_ok(plugins_txt):
    rows = [l.split() for l in plugins_txt.splitlines()[1:] if l.strip()]
    cri = any(len(r) >= 3 and r[1] == 'cri' and r[-1] == 'ok' for r in rows)
    cri_v1 = all(r[-1] == 'ok' for r in rows if r[0] == 'io.containerd.cri.v1')
    return bool(rows) and cri and cri_v1


def telling(lines, pattern=r'panic|fatal|level=error|emerg|\[alert\]|\[crit\]'):
    return [l[:400] for l in lines if re.search(pattern, l)]


def registries_report(scenario_dir, regs, access):
    out = []
    for r in regs:
        base = os.path.join(scenario_dir, 'out', 'registries', r)
        try:
            meta = json.loads(read(base + '.json'))
        except ValueError:
            meta = {}
        status = read(base + '.status', 'not started').strip()
        out.append({'name': r, 'addr': meta.get('addr'), 'url': meta.get('url'), 'config': meta.get('config'),
                    'proxy': meta.get('proxy'), 'startError': None if status == 'ok' else status,
                    'adapted': meta.get('adapted', []),
                    'requests': sum(1 for l in access[r] if ACCESS_LINE.search(l))})
    return out


def nginx_report(scenario_dir):
    d = os.path.join(scenario_dir, 'out', 'nginx')
    try:
        meta = json.loads(read(os.path.join(d, 'meta.json')))
    except ValueError:
        return None
    work = meta.pop('work', None)

    def stable(s):
        return s.replace(os.path.join(work, 'nginx.conf'), '<nginx.conf>').replace(work, '<work>') if work else s
    rc = read(os.path.join(d, 'test.rc')).strip()
    status = read(os.path.join(d, 'status'), 'not started').strip()
    meta['test'] = {'exitCode': int(rc) if re.match(r'^-?\d+$', rc) else None,
                    'output': stable(read(os.path.join(d, 'test.out')).strip())[:2000]}
    meta['started'] = status == 'ok'
    meta['startError'] = None if status == 'ok' else stable(status)[:600]
    meta['log'] = [stable(l) for l in telling(read(os.path.join(d, 'nginx.log')).splitlines())][:5]
    return meta


def report(scenario_dir, version, image_id, seconds):
    sc = load(scenario_dir)
    m = re.match(r'v?(\d+)', version)
    result = {'containerd': version, 'major': int(m.group(1)) if m else None, 'imageId': image_id,
              'seconds': float(seconds), 'cases': []}
    regs = [r['name'] for r in sc['registries']]
    access = {r: read(os.path.join(scenario_dir, 'out', 'registries', r + '.access.log')).splitlines() for r in regs}

    def requests_between(offsets):  # offsets: registry -> (start, end) line range of its access log
        found = []
        for r in regs:
            start, end = offsets.get(r, (0, 0))
            for line in access[r][start:end]:
                a = ACCESS_LINE.search(line)
                if a:
                    found.append({'registry': r, 'method': a.group(1), 'path': a.group(2), 'status': int(a.group(3))})
        return found

    def counts(requests):
        return {r: sum(1 for q in requests if q['registry'] == r) for r in regs}

    for c in sc['cases']:
        d = os.path.join(scenario_dir, 'out', 'cases', c['name'])
        meta = dict(l.split('=', 1) for l in read(os.path.join(d, 'meta')).splitlines() if '=' in l)
        dump_err = read(os.path.join(d, 'config-dump.err')).splitlines()
        log = read(os.path.join(d, 'containerd.log')).splitlines()
        offsets = {r: tuple(int(x) for x in meta.get('offsets.' + r, '0 0').split()) for r in regs}
        requests = requests_between(offsets)
        n = c.get('pulls', 1)
        tmp = meta.get('tmp')

        def stable(s):  # the daemon's private temp dir: keep messages stable across runs
            return s.replace(tmp + '/config.toml', '<daemon-config.toml>').replace(tmp, '<tmp>') if tmp and s else s

        pulls, per_pull, purge_errors = [], [], []
        if meta.get('daemon') == 'up':
            for i in range(1, n + 1):
                f = os.path.join(d, 'pull.json' if i == 1 else 'pull-%d.json' % i)
                try:
                    p = json.loads(read(f))
                except ValueError:
                    err = read(f[:-len('.json')] + '.err')
                    p = {'ok': False, 'imageRef': None,
                         'error': ('CRI client failed: ' + ' '.join(err.split()[-40:])) if err or os.path.exists(f)
                         else 'not attempted'}
                p['error'] = stable(p['error'])
                pulls.append(p)
                snap = {r: tuple(int(x) for x in meta.get('pull.%d.%s' % (i, r), '0 0').split()) for r in regs}
                per_pull.append(counts(requests_between(snap)))
                if i > 1 and meta.get('purge.%d' % i, 'ok') != 'ok':
                    purge_errors.append('before pull %d: %s' % (i, stable(meta['purge.%d' % i])[:400]))
        else:
            last = [l for l in log if re.search(r'level=(fatal|error)|^containerd:', l)] or log or ['(no log)']
            failed = {'ok': False, 'imageRef': None,
                      'error': stable('containerd %s: %s' % ('exited' if meta.get('daemon') == 'exited'
                                                             else 'did not answer in time', last[-1][:400]))}
            pulls = [dict(failed) for _ in range(n)]
            per_pull = [counts([]) for _ in range(n)]
        log = [stable(l) for l in log]
        plugins_ok = meta.get('daemon') == 'up' and cri_plugin_ok(read(os.path.join(d, 'plugins.txt')))
        case = {
            'name': c['name'],
            'configDump': {
                'exitCode': int(meta.get('dump_rc', '-1')),
                'configPathSection': config_path_section(read(os.path.join(d, 'config-dump.toml'))),
                'warnings': [l[:400] for l in dump_err if 'level=warn' in l][:5],
            },
            'criPluginOk': plugins_ok,
            'criPluginError': None if plugins_ok else next(
                (l[:400] for l in log if 'failed to load plugin' in l and 'cri' in l), None),
            'pull': pulls[0],
            'pulls': pulls,
            'requests': requests,
            'requestCounts': counts(requests),
            'pullRequestCounts': per_pull,
            'purgeErrors': purge_errors,
            'daemonLog': [l[:400] for l in log if DAEMON_LOG.search(l)][:3],
            'seconds': float(meta.get('seconds', '0')),
        }
        if case['configDump']['exitCode'] != 0:
            case['configDump']['error'] = ' '.join(dump_err[-2:])[:400] or None
        result['cases'].append(case)
    result['registries'] = registries_report(scenario_dir, regs, access)
    result['nginx'] = nginx_report(scenario_dir) if sc.get('nginx') is not None else None
    print(json.dumps(result, indent=2))


if __name__ == '__main__':
    if len(sys.argv) == 5 and sys.argv[1] == 'plan':
        plan(*(os.path.abspath(a) for a in sys.argv[2:]))
    elif len(sys.argv) == 6 and sys.argv[1] == 'report':
        report(os.path.abspath(sys.argv[2]), *sys.argv[3:])
    else:
        fail('usage: _scenario.py plan SCENARIO_DIR WORK_DIR OUT_DIR | report SCENARIO_DIR VERSION IMAGE_ID SECONDS')
