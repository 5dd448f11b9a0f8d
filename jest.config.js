// Jest runs in native ESM mode (Nest 12 and @kubernetes/client-node are ES modules):
// the test script starts node with --experimental-vm-modules and @swc/jest emits ESM.
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

// ESM-only packages that CommonJS dependencies require(): jest's CJS loader cannot require ESM on
// Node 20, so these are compiled by swc (module kind chosen by jest: CJS when required, ESM when imported).
const ESM_ONLY = ['content-disposition', 'cookie', 'file-type', 'strtok3', 'token-types', 'peek-readable', '@tokenizer', 'uint8array-extras'];
const swcDeps = { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, sourceMaps: false };

export default {
  testEnvironment: 'node',
  rootDir: '.',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', swc],
    '/node_modules/.+\\.m?js$': ['@swc/jest', swcDeps],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // The testbed's etcd data and the build output are not modules.
  modulePathIgnorePatterns: ['<rootDir>/.testbed/', '<rootDir>/.simulators/', '<rootDir>/dist/'],
  watchPathIgnorePatterns: ['<rootDir>/.testbed/', '<rootDir>/.simulators/'],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  globalSetup: '<rootDir>/test/global-setup.mjs',
  globalTeardown: '<rootDir>/test/global-teardown.mjs',
  testTimeout: 60000,
  maxWorkers: 2,
};
