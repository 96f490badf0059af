/** Unit tests of the UI's state logic: no browser, no services. */
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'admin-ui',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testPathIgnorePatterns: ['\\.browser\\.spec\\.ts$', '/node_modules/'],
};
