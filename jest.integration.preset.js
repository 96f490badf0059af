// Integration tests: real Kafka and Redis. The global setup starts them through tools/kafka and
// tools/redis when nothing answers, and the teardown stops only what it started.
const path = require('node:path');
module.exports = {
  ...require('./jest.preset.js'),
  globalSetup: path.join(__dirname, 'libs/testing/src/global-setup.ts'),
  globalTeardown: path.join(__dirname, 'libs/testing/src/global-teardown.ts'),
  testTimeout: 180_000,
  maxWorkers: 1,
};
