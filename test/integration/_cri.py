"""Minimal CRI image client for node-e2e.sh. Needs python3-grpcio + python3-grpc-tools (run with /usr/bin/python3).

  _cri.py compile STUB_DIR                 generate the runtime.v1 stubs into STUB_DIR (grpc_tools.protoc)
  _cri.py pull STUB_DIR SOCKET IMAGE       CRI PullImage; prints {"ok", "imageRef", "error"} (exit 0 either way)
  _cri.py rm STUB_DIR SOCKET IMAGE         CRI RemoveImage; exit 1 on error

The proto is the needed subset of k8s.io/cri-api pkg/apis/runtime/v1/api.proto (package runtime.v1) with the
upstream field numbers, so containerd's CRI server decodes the messages unchanged. Optional kubelet-style
credentials: CRI_USER, CRI_PASSWORD, CRI_SERVER_ADDRESS.
"""
import json
import os
import sys
import time

PROTO = '''syntax = "proto3";
package runtime.v1;
message ImageSpec { string image = 1; map<string, string> annotations = 2; }
message AuthConfig { string username = 1; string password = 2; string auth = 3; string server_address = 4;
                     string identity_token = 5; string registry_token = 6; }
message PullImageRequest { ImageSpec image = 1; AuthConfig auth = 2; }
message PullImageResponse { string image_ref = 1; }
message RemoveImageRequest { ImageSpec image = 1; }
message RemoveImageResponse {}
service ImageService {
  rpc PullImage(PullImageRequest) returns (PullImageResponse) {}
  rpc RemoveImage(RemoveImageRequest) returns (RemoveImageResponse) {}
}
'''
PULL_TIMEOUT = float(os.environ.get('CRI_PULL_TIMEOUT', '60'))


def compile_stubs(stub_dir):
    from grpc_tools import protoc
    os.makedirs(stub_dir, exist_ok=True)
    with open(os.path.join(stub_dir, 'mini_cri.proto'), 'w') as f:
        f.write(PROTO)
    rc = protoc.main(['protoc', '-I' + stub_dir, '--python_out=' + stub_dir, '--grpc_python_out=' + stub_dir,
                      os.path.join(stub_dir, 'mini_cri.proto')])
    if rc != 0:
        sys.exit('grpc_tools.protoc failed with exit code %d' % rc)


def stub(stub_dir, socket):
    if not os.path.exists(os.path.join(stub_dir, 'mini_cri_pb2_grpc.py')):
        compile_stubs(stub_dir)
    sys.path.insert(0, stub_dir)
    import grpc
    import mini_cri_pb2 as pb
    import mini_cri_pb2_grpc as pbg
    return grpc, pb, pbg.ImageServiceStub(grpc.insecure_channel('unix://' + socket))


def main(argv):
    if len(argv) == 2 and argv[0] == 'compile':
        compile_stubs(argv[1])
        return 0
    if len(argv) != 4 or argv[0] not in ('pull', 'rm'):
        sys.exit(__doc__)
    cmd, stub_dir, socket, image = argv
    grpc, pb, svc = stub(stub_dir, socket)
    spec = pb.ImageSpec(image=image)
    if cmd == 'rm':
        try:
            svc.RemoveImage(pb.RemoveImageRequest(image=spec), timeout=30)
            return 0
        except grpc.RpcError as e:
            sys.stderr.write('RemoveImage %s: %s\n' % (e.code().name, e.details()))
            return 1
    auth = None
    if os.environ.get('CRI_USER'):
        auth = pb.AuthConfig(username=os.environ['CRI_USER'], password=os.environ.get('CRI_PASSWORD', ''),
                             server_address=os.environ.get('CRI_SERVER_ADDRESS', ''))
    deadline = time.monotonic() + 10
    while True:
        try:
            ref = svc.PullImage(pb.PullImageRequest(image=spec, auth=auth), timeout=PULL_TIMEOUT).image_ref
            out = {'ok': True, 'imageRef': ref, 'error': None}
        except grpc.RpcError as e:
            # the CRI service answers "server is not initialized yet" for a moment after the daemon is up
            if 'not initialized' in (e.details() or '') and time.monotonic() < deadline:
                time.sleep(0.05)
                continue
            out = {'ok': False, 'imageRef': None, 'error': '%s: %s' % (e.code().name, e.details())}
        break
    print(json.dumps(out))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
