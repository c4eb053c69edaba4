// hosts.toml `rewrite` and `auth` on containerd 2.1.9 (the source Debian sid's golang-github-containerd-
// containerd-dev carries + patches/containerd-2.1); see _auth-suite.ts.
import { defineAuthSuite, TARGET_21 } from './_auth-suite';

defineAuthSuite(TARGET_21);
