/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  // tfjs-wasm tests are heavy; two workers match the two cores of the CI machine.
  maxWorkers: 2,
  testTimeout: 120000,
};
