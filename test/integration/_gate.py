"""An authenticating gate in front of a loopback registry, for _auth_e2e.py (stdlib only).

Each Gate listens on 127.0.0.1:<port> (plain or TLS), demands credentials (Basic, or Bearer with a token
endpoint at /token that takes Basic credentials on GET, or a password / refresh_token grant on POST), forwards
authorised requests to the backend registry without the credentials, and records every request line with the
credentials it carried (decoded: username and password as the client sent them, or for a Bearer token the
credentials the token was issued for).

Modes: "up"; "503" (every request answered 503, before any authentication); "down" (the port is closed:
connection refused).
A plain gate also records TLS ClientHellos (a client trying HTTPS first) and answers them per "tlsProbe":
"status" answers with an HTTP status line (like Go's and most HTTP servers on a plain port), "close" closes the
connection without a byte (like a TCP proxy or a server that drops non-HTTP input).
"""
import base64
import http.client
import http.server
import json
import secrets
import socket
import ssl
import threading
import urllib.parse

HOP = {'connection', 'keep-alive', 'transfer-encoding', 'proxy-authenticate', 'proxy-authorization', 'te',
       'trailer', 'upgrade'}


def decode_basic(value):
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (ValueError, TypeError):
        return None
    user, sep, password = raw.decode('utf-8', 'surrogateescape').partition(':')
    if not sep:
        return None
    return user, password


class Gate:
    def __init__(self, name, port, backend, auth='basic', users=(), identity_tokens=None, tls=None,
                 tls_probe='status', events=None, lock=None):
        self.name, self.port, self.backend = name, port, backend
        self.auth = auth                                   # none | basic | bearer
        self.users = [tuple(u) for u in users]             # [(username, password)]
        self.identity_tokens = dict(identity_tokens or {})  # refresh token -> username
        self.tls = tls                                     # (certfile, keyfile) or None
        self.tls_probe = tls_probe
        self.events = events if events is not None else []
        self.lock = lock or threading.Lock()
        self.tokens = {}                                   # access token -> (username, password, how)
        self.mode = 'down'
        self.server = None
        self.thread = None

    # ------------------------------------------------------------------ control
    def set_mode(self, mode):
        if mode == self.mode:
            return
        if mode == 'down':
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        elif self.mode == 'down':
            self._start()
        self.mode = mode

    def _start(self):
        gate = self

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True

            def get_request(self):
                conn, addr = self.socket.accept()
                if gate.tls:
                    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                    ctx.load_cert_chain(*gate.tls)
                    conn.settimeout(10)
                    try:
                        conn = ctx.wrap_socket(conn, server_side=True)
                    except (ssl.SSLError, OSError) as e:
                        gate.record({'kind': 'tls-error', 'error': str(e)[:200]})
                        conn.close()
                        raise OSError('TLS handshake failed')
                    conn.settimeout(None)
                else:
                    conn.settimeout(10)
                    try:
                        first = conn.recv(1, socket.MSG_PEEK)
                    except OSError:
                        first = b''
                    conn.settimeout(None)
                    if first == b'\x16':   # a TLS record: the client tries HTTPS on this plain port
                        gate.record({'kind': 'tls-probe', 'answer': gate.tls_probe})
                        if gate.tls_probe == 'status':
                            try:
                                conn.sendall(b'HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n')
                            except OSError:
                                pass
                        try:
                            conn.shutdown(socket.SHUT_RDWR)
                        except OSError:
                            pass
                        conn.close()
                        raise OSError('TLS probe answered')
                return conn, addr

            def handle_error(self, request, client_address):
                pass

        self.server = Server(('127.0.0.1', self.port), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)
        self.thread.start()

    def record(self, event):
        event = dict(event, gate=self.name)
        with self.lock:
            self.events.append(event)

    # ------------------------------------------------------------------ requests
    def _challenge(self, path):
        if self.auth == 'basic':
            return 'Basic realm="gate %s"' % self.name
        repo = ''
        if path.startswith('/v2/'):
            parts = urllib.parse.urlsplit(path).path[4:].split('/')
            for marker in ('manifests', 'blobs', 'tags'):
                if marker in parts:
                    repo = '/'.join(parts[:parts.index(marker)])
                    break
        scheme = 'https' if self.tls else 'http'
        return 'Bearer realm="%s://127.0.0.1:%d/token",service="gate-%s",scope="repository:%s:pull"' % (
            scheme, self.port, self.name, repo)

    def _principal(self, header):
        """(credentials as carried, valid?) for an Authorization header value."""
        if not header:
            return None, False
        scheme, _, value = header.partition(' ')
        if scheme.lower() == 'basic':
            creds = decode_basic(value)
            if creds is None:
                return {'scheme': 'basic', 'malformed': value[:200]}, False
            return {'scheme': 'basic', 'username': creds[0], 'password': creds[1]}, \
                self.auth == 'basic' and creds in self.users
        if scheme.lower() == 'bearer':
            issued = self.tokens.get(value.strip())
            if issued is None:
                return {'scheme': 'bearer', 'unknownToken': True}, False
            p = {'scheme': 'bearer', 'username': issued[0], 'password': issued[1], 'grant': issued[2]}
            return p, self.auth == 'bearer'
        return {'scheme': scheme, 'malformed': value[:200]}, False

    def _handler(self):
        gate = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args):
                pass

            def reply(self, status, headers=(), body=b''):
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                if not any(k.lower() == 'content-length' for k, _ in headers):
                    self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                if self.command != 'HEAD' and body:
                    self.wfile.write(body)

            def token(self):
                length = int(self.headers.get('Content-Length') or 0)
                form = urllib.parse.parse_qs(self.rfile.read(length).decode('utf-8', 'surrogateescape')) \
                    if self.command == 'POST' else {}
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                ev = {'kind': 'token', 'method': self.command,
                      'scope': sorted((form.get('scope') or query.get('scope') or [])),
                      'service': (form.get('service') or query.get('service') or [''])[0]}
                principal = None
                if self.command == 'POST':
                    grant = (form.get('grant_type') or [''])[0]
                    ev['grant'] = grant
                    if grant == 'password':
                        user, pw = (form.get('username') or [''])[0], (form.get('password') or [''])[0]
                        ev.update(username=user, password=pw)
                        if (user, pw) in gate.users:
                            principal = (user, pw, 'password')
                    elif grant == 'refresh_token':
                        rt = (form.get('refresh_token') or [''])[0]
                        ev['refreshToken'] = rt
                        if rt in gate.identity_tokens:
                            principal = (gate.identity_tokens[rt], '', 'refresh_token')
                else:
                    p, _ = gate._principal(self.headers.get('Authorization'))
                    ev['grant'] = 'basic'
                    if p and 'username' in p:
                        ev.update(username=p['username'], password=p['password'])
                        if (p['username'], p['password']) in gate.users:
                            principal = (p['username'], p['password'], 'basic')
                if principal is None:
                    ev['status'] = 401
                    gate.record(ev)
                    return self.reply(401, [('Content-Type', 'application/json')], b'{"errors":[{"code":"UNAUTHORIZED"}]}')
                tok = secrets.token_hex(16)
                gate.tokens[tok] = principal
                ev['status'] = 200
                gate.record(ev)
                body = json.dumps({'token': tok, 'access_token': tok, 'expires_in': 300}).encode()
                return self.reply(200, [('Content-Type', 'application/json')], body)

            def handle_any(self):
                if gate.mode == '503':
                    gate.record({'kind': 'registry', 'method': self.command, 'path': self.path, 'status': 503,
                                 'auth': gate._principal(self.headers.get('Authorization'))[0]})
                    return self.reply(503, [('Content-Type', 'text/plain')], b'gate is failing on purpose\n')
                if urllib.parse.urlsplit(self.path).path == '/token':
                    return self.token()
                principal, ok = gate._principal(self.headers.get('Authorization'))
                ev = {'kind': 'registry', 'method': self.command, 'path': self.path, 'auth': principal}
                if gate.auth != 'none' and not ok:
                    ev['status'] = 401
                    gate.record(ev)
                    return self.reply(401, [('WWW-Authenticate', gate._challenge(self.path)),
                                            ('Content-Type', 'application/json')],
                                      b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}')
                conn = http.client.HTTPConnection(*gate.backend, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP | {'authorization', 'host'}}
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length) if length else None
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                conn.close()
                ev['status'] = resp.status
                gate.record(ev)
                out = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP | {'content-length'}]
                out.append(('Content-Length', resp.getheader('Content-Length') or str(len(data))))
                self.send_response(resp.status)
                for k, v in out:
                    self.send_header(k, v)
                self.end_headers()
                if self.command != 'HEAD':
                    self.wfile.write(data)

            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

        return Handler
