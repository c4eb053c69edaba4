// hosts.toml `rewrite` and `auth` on containerd 1.7.24 (Debian trixie's source + patches/containerd-1.7); see
// _auth-suite.ts.
import { defineAuthSuite, TARGET_17 } from './_auth-suite';

defineAuthSuite(TARGET_17);
