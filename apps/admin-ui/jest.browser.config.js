/**
 * Browser tests: Debian's chromium driven by playwright-core against a real controller, workers,
 * Kafka and Redis. Screenshots go to artifacts/ui (git-ignored).
 */
module.exports = {
  ...require('../../jest.integration.preset.js'),
  displayName: 'admin-ui:browser',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.browser.spec.ts'],
};
