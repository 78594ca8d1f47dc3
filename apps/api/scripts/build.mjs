// Bundles the API into dist/main.js: workspace packages (TypeScript source) are inlined,
// npm dependencies stay external and load from node_modules at run time.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
await build({
  entryPoints: [path.join(here, '../src/main.ts')],
  outfile: path.join(here, '../dist/main.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [
    {
      name: 'externalize-npm',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) => {
          if (args.path.startsWith('@jutsu/')) return undefined;
          return { path: args.path, external: true };
        });
      },
    },
  ],
  banner: {
    js: "import { createRequire as __jutsuCreateRequire } from 'node:module'; const require = __jutsuCreateRequire(import.meta.url);",
  },
});
