/** Integration tests against the real broker, Redis and processes. */
module.exports = {
  ...require('../../jest.integration.preset.js'),
  displayName: 'testing:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.int.spec.ts'],
};
