"""Scenario helper for node-e2e.sh (stdlib only).

  _scenario.py plan SCENARIO_DIR
      Validates SCENARIO_DIR/scenario.json and prints a tab-separated plan for the shell:
        R <name> <port> <cert|-> <key|->          one line per registry (absolute paths)
        C <name> <tree etc/containerd dir> <config path relative to etc/containerd> <pull reference>
  _scenario.py report SCENARIO_DIR CONTAINERD_VERSION IMAGE_ID SECONDS
      Assembles the result JSON from the per-case files the shell left in SCENARIO_DIR/out/cases/<name>/.

Exit code 2 with a message on stderr on invalid input.
"""
import json
import os
import re
import sys

NODE_CONFIG_PATH = '/etc/containerd/registry.d'
SAFE_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]*$')
ACCESS_LINE = re.compile(r'"([A-Z]+) (\S+) HTTP/[0-9.]+" (\d{3}) ')
DAEMON_LOG = re.compile(r'failed to decode|invalid .host. tree|unable to read CA')


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
    for key in ('registries', 'images', 'cases'):
        if not isinstance(sc.get(key), list):
            fail('%s: "%s" must be a list' % (path, key))
    return sc


def plan(scenario_dir):
    sc = load(scenario_dir)
    names, ports, out = set(), set(), []

    def existing(rel, what):
        p = os.path.normpath(os.path.join(scenario_dir, rel))
        if not os.path.isfile(p):
            fail('%s: file not found: %s' % (what, p))
        return p

    for r in sc['registries']:
        name, port = r.get('name'), r.get('port')
        if not isinstance(name, str) or not SAFE_NAME.match(name) or name in names:
            fail('registry name missing, duplicate or not [A-Za-z0-9._-]: %r' % (name,))
        if not isinstance(port, int) or not 1 <= port <= 65535 or port in ports:
            fail('registry %s: port missing, invalid or duplicate: %r' % (name, port))
        names.add(name)
        ports.add(port)
        cert = key = '-'
        if r.get('tls') is not None:
            tls = r['tls']
            if not isinstance(tls, dict) or not tls.get('certificate') or not tls.get('key'):
                fail('registry %s: tls needs "certificate" and "key"' % name)
            cert = existing(tls['certificate'], 'registry %s certificate' % name)
            key = existing(tls['key'], 'registry %s key' % name)
        out.append(['R', name, str(port), cert, key])
    for i in sc['images']:
        if i.get('registry') not in names or not i.get('repository') or not i.get('tag'):
            fail('image entry needs a known "registry", a "repository" and a "tag": %r' % (i,))
    if not sc['images']:
        fail('no images')
    cases = set()
    for c in sc['cases']:
        name = c.get('name')
        if not isinstance(name, str) or not SAFE_NAME.match(name) or name in cases:
            fail('case name missing, duplicate or not [A-Za-z0-9._-]: %r' % (name,))
        cases.add(name)
        for k in ('tree', 'config', 'pull'):
            if not isinstance(c.get(k), str) or not c[k] or re.search(r'[\t\n]', c[k]):
                fail('case %s: "%s" must be a non-empty string' % (name, k))
        etc = os.path.normpath(os.path.join(scenario_dir, c['tree'], 'etc', 'containerd'))
        if not os.path.isdir(etc):
            fail('case %s: directory not found: %s' % (name, etc))
        cfg = os.path.normpath(c['config'])
        if not cfg.startswith('etc/containerd/'):
            fail('case %s: "config" must be a path below etc/containerd/ of the tree: %r' % (name, c['config']))
        rel = cfg[len('etc/containerd/'):]
        if not os.path.isfile(os.path.join(etc, rel)):
            fail('case %s: config file not found: %s' % (name, os.path.join(etc, rel)))
        out.append(['C', name, etc, rel, c['pull']])
    for row in out:
        print('\t'.join(row))


def read(path, default=''):
    try:
        with open(path, errors='replace') as f:
            return f.read()
    except OSError:
        return default


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


def report(scenario_dir, version, image_id, seconds):
    sc = load(scenario_dir)
    m = re.match(r'v?(\d+)', version)
    result = {'containerd': version, 'major': int(m.group(1)) if m else None, 'imageId': image_id,
              'seconds': float(seconds), 'cases': []}
    regs = [r['name'] for r in sc['registries']]
    access = {r: read(os.path.join(scenario_dir, 'out', 'registries', r + '.access.log')).splitlines() for r in regs}
    for c in sc['cases']:
        d = os.path.join(scenario_dir, 'out', 'cases', c['name'])
        meta = dict(l.split('=', 1) for l in read(os.path.join(d, 'meta')).splitlines() if '=' in l)
        dump_err = read(os.path.join(d, 'config-dump.err')).splitlines()
        log = read(os.path.join(d, 'containerd.log')).splitlines()
        requests = []
        for r in regs:
            start, end = (int(x) for x in meta.get('offsets.' + r, '0 0').split())
            for line in access[r][start:end]:
                a = ACCESS_LINE.search(line)
                if a:
                    requests.append({'registry': r, 'method': a.group(1), 'path': a.group(2),
                                     'status': int(a.group(3))})
        pull = None
        if meta.get('daemon') == 'up':
            try:
                pull = json.loads(read(os.path.join(d, 'pull.json')))
            except ValueError:
                pull = {'ok': False, 'imageRef': None, 'error': 'CRI client failed: ' +
                        ' '.join(read(os.path.join(d, 'pull.err')).split()[-40:])}
        else:
            last = [l for l in log if re.search(r'level=(fatal|error)|^containerd:', l)] or log or ['(no log)']
            pull = {'ok': False, 'imageRef': None,
                    'error': 'containerd %s: %s' % ('exited' if meta.get('daemon') == 'exited'
                                                    else 'did not answer in time', last[-1][:400])}
        if meta.get('tmp'):  # the daemon's private temp dir: keep messages stable across runs
            tmp = meta['tmp']
            pull['error'] = pull['error'] and pull['error'].replace(tmp + '/config.toml', '<daemon-config.toml>') \
                .replace(tmp, '<tmp>')
            log = [l.replace(tmp, '<tmp>') for l in log]
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
            'pull': pull,
            'requests': requests,
            'daemonLog': [l[:400] for l in log if DAEMON_LOG.search(l)][:3],
            'seconds': float(meta.get('seconds', '0')),
        }
        if case['configDump']['exitCode'] != 0:
            case['configDump']['error'] = ' '.join(dump_err[-2:])[:400] or None
        result['cases'].append(case)
    print(json.dumps(result, indent=2))


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == 'plan':
        plan(os.path.abspath(sys.argv[2]))
    elif len(sys.argv) == 6 and sys.argv[1] == 'report':
        report(os.path.abspath(sys.argv[2]), *sys.argv[3:])
    else:
        fail('usage: _scenario.py plan SCENARIO_DIR | report SCENARIO_DIR VERSION IMAGE_ID SECONDS')
