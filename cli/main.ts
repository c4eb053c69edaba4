#!/usr/bin/env node
// registry-cdk8s: render the registry module from an existing ModuleConfig without writing TypeScript.
//
//   registry-cdk8s synth -f moduleconfig.yaml [-c cluster.yaml] [-o out/] [--from old-moduleconfig.yaml] [--force]
//
// Subcommands dispatch from COMMANDS; each takes the arguments after its name and returns the exit code
// (0 success, 1 bad input, 2 usage: see EXIT in ./common).
import { Command, EXIT, version } from './common';
import { synth, SYNTH_USAGE } from './synth';
import { verifyMain } from './verify';
import { pkiMain } from './pki';

/** Subcommands by name. A new one is one line here: `name: (argv) => exitCode`. */
export const COMMANDS: Record<string, Command> = {
  synth,
  verify: (argv) => verifyMain(argv),
  pki: (argv) => pkiMain(argv),
};

export const USAGE = `usage: registry-cdk8s <command> [options]

commands:
  synth     render manifests, node files and switch plans from a ModuleConfig (registry-cdk8s synth --help)
  pki       create the module's PKI (CA, token, auth, distribution, per-node pairs) once (registry-cdk8s pki --help)
  verify    compare a live cluster and one node's /etc/containerd/registry.d with expected/ (registry-cdk8s verify --help)

  -h, --help      this help
  -V, --version   the version

Exit codes: 0 success, 1 bad input (a file, a value or the output folder), 2 usage (unknown command or option).

${SYNTH_USAGE}`;

export function main(argv: string[]): number {
  const [command, ...rest] = argv;
  if (command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.OK;
  }
  if (command === '-V' || command === '--version') {
    process.stdout.write(`${version()}\n`);
    return EXIT.OK;
  }
  const run = command === undefined ? undefined : COMMANDS[command];
  if (run === undefined) {
    process.stderr.write(`registry-cdk8s: ${command === undefined ? 'a command is required' : `unknown command "${command}"`}\n\n${USAGE}\n`);
    return EXIT.USAGE;
  }
  return run(rest);
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
