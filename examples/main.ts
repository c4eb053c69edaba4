// Synthesizes every example into dist/<example>/ (run through `cdk8s synth`, which empties dist/ first).
import { EXAMPLES, writeExample } from './index';

const outdir = process.env.CDK8S_OUTDIR ?? 'dist';
for (const name of Object.keys(EXAMPLES)) writeExample(name, outdir);
