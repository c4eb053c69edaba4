// Synthesizes every example into dist/<example>/ (run through `cdk8s synth`, which empties dist/ first).
import * as path from 'path';
import { App } from 'cdk8s';
import { EXAMPLES } from './index';

const outdir = process.env.CDK8S_OUTDIR ?? 'dist';
for (const [name, build] of Object.entries(EXAMPLES)) {
  const app = new App({ outdir: path.join(outdir, name) });
  build(app);
  app.synth();
}
