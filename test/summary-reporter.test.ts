// The closing summary line says why tests were skipped, from their "(skipped: <reason>)" titles.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const SummaryReporter = require('./support/summary-reporter.cjs');

function line(tests: Array<{ title: string; status: string }>, counts: { passed: number; failed: number; pending: number }): string {
  let out = '';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((s: any) => { out += String(s); return true; });
  try {
    new SummaryReporter().onRunComplete(new Set(), {
      numPassedTests: counts.passed, numFailedTests: counts.failed, numPendingTests: counts.pending, numTodoTests: 0,
      testResults: [{ testResults: tests }],
    });
  } finally {
    spy.mockRestore();
  }
  return out;
}

test('lists each skip reason once, in order', () => {
  expect(line([
    { title: 'a', status: 'passed' },
    { title: 'is shellcheck-clean (skipped: shellcheck not installed)', status: 'pending' },
    { title: 'real containerd (skipped: not root (containerd needs root))', status: 'pending' },
    { title: 'other (skipped: shellcheck not installed)', status: 'pending' },
  ], { passed: 1, failed: 0, pending: 3 })).toBe('jest: 1 passed, 0 failed, 3 skipped (shellcheck not installed; not root (containerd needs root))\n');
});

test('counts skips without a reason and stays plain without skips', () => {
  expect(line([{ title: 'x', status: 'pending' }], { passed: 0, failed: 0, pending: 1 })).toBe('jest: 0 passed, 0 failed, 1 skipped (1 without a reason)\n');
  expect(line([{ title: 'x', status: 'passed' }], { passed: 1, failed: 0, pending: 0 })).toBe('jest: 1 passed, 0 failed, 0 skipped\n');
});
