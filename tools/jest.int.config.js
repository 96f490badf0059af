/** Integration tests of the foundation against the real broker and Redis. */
module.exports = {
  ...require('../jest.integration.preset.js'),
  displayName: 'tools:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/**/*.int.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/.cache/'],
};
