/** Unit tests: no services. */
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'worker-runtime',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testPathIgnorePatterns: ['\\.int\\.spec\\.ts$', '/node_modules/'],
};
