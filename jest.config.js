module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // 'ts' first: never pick up a stale compiled .js next to its .ts
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  reporters: ['default', '<rootDir>/test/support/summary-reporter.cjs'],
};
