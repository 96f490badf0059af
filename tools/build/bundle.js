// Bundles an app (apps/<name>/src/main.ts) and the libs it imports into dist/apps/<name>/main.js.
// npm packages stay external (they are installed with the app).
const esbuild = require('esbuild');
const path = require('node:path');

const name = process.argv[2];
if (!name) {
  console.error('usage: node tools/build/bundle.js <app>');
  process.exit(2);
}
const root = path.resolve(__dirname, '../..');
esbuild
  .build({
    entryPoints: [path.join(root, 'apps', name, 'src/main.ts')],
    outfile: path.join(root, 'dist/apps', name, 'main.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    packages: 'external',
    tsconfig: path.join(root, 'tsconfig.base.json'),
    logLevel: 'warning',
  })
  .then(() => console.log(`[build] dist/apps/${name}/main.js`))
  .catch(() => process.exit(1));
