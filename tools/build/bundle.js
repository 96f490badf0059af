// Bundles an app (apps/<name>/src/main.ts), the libs it imports and most of its npm packages into
// dist/apps/<name>/main.js. One file loads faster than hundreds: a controller came up in 280-305 ms
// instead of 355-400 (idle 2-core machine), which a restart's steady state waits for.
// The packages below stay external (installed with the app, loaded from node_modules):
const EXTERNAL = [
  // eos-core reaches kafkajs's internals from the installed copy (createRequire of its src/),
  // which must be the same copy as the one the app uses; the install-time patch applies there.
  'kafkajs',
  // Native binaries.
  '@node-rs/*',
  // BullMQ reads its Lua scripts from its package folder.
  'bullmq',
  'ioredis',
  // Reflection loads its .proto files from its package folder (and with them proto-loader and
  // protobufjs); the controller loads it at the first reflection call, not at start.
  '@grpc/reflection',
  '@grpc/proto-loader',
  'protobufjs',
  // Tests only.
  'grpc-health-check',
];
// Bundled @grpc/grpc-js: channelz and ORCA load .proto files relative to its own folder, so they
// would fail from the bundle; neither app uses them (no admin services, no call metric recording).
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
    external: EXTERNAL,
    tsconfig: path.join(root, 'tsconfig.base.json'),
    logLevel: 'warning',
  })
  .then(() => console.log(`[build] dist/apps/${name}/main.js`))
  .catch(() => process.exit(1));
