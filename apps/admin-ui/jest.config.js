/** Unit tests of the UI's state logic and of hook-free components: no browser, no services. */
const preset = require('../../jest.preset.js');

module.exports = {
  ...preset,
  displayName: 'admin-ui',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testPathIgnorePatterns: ['\\.browser\\.spec\\.ts$', '/node_modules/'],
  transform: {
    ...preset.transform,
    // Components the specs render (src/spec-render.ts), compiled as Vite compiles them.
    '^.+\\.tsx$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', tsx: true },
          transform: { react: { runtime: 'automatic', importSource: 'preact' } },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
    // Preact ships ES modules only, which jest on Node 20 cannot require: compiled to CommonJS too.
    '/node_modules/preact/.+\\.mjs$': [
      '@swc/jest',
      { jsc: { target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!preact/)'],
  moduleFileExtensions: ['ts', 'tsx', 'js', 'mjs', 'json'],
};
