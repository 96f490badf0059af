// Shared jest settings: @swc/jest compiles TypeScript (type checking is the `typecheck` target),
// and the tsconfig path aliases are mapped here so tests import libs the way apps do.
const path = require('node:path');
const root = __dirname;
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@eos/proto$': path.join(root, 'libs/proto/src/index.ts'),
    '^@eos/eos-core$': path.join(root, 'libs/eos-core/src/index.ts'),
    '^@eos/eos-core/testing$': path.join(root, 'libs/eos-core/src/testing.ts'),
    '^@eos/transforms$': path.join(root, 'libs/transforms/src/index.ts'),
    '^@eos/control-plane$': path.join(root, 'libs/control-plane/src/index.ts'),
    '^@eos/infra$': path.join(root, 'libs/infra/src/index.ts'),
    '^@eos/fleet-names$': path.join(root, 'libs/fleet-names/src/index.ts'),
    '^@eos/kafka-client$': path.join(root, 'libs/kafka-client/src/index.ts'),
    '^@eos/testing$': path.join(root, 'libs/testing/src/index.ts'),
    '^@eos/worker-runtime$': path.join(root, 'libs/worker-runtime/src/index.ts'),
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.cache/', '/.data/'],
};
