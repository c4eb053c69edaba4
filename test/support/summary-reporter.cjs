// Prints one plain closing line that any CI log reader understands:
//   "jest: N passed, N failed, N skipped (why; why)"
// A skipped test says why in its title, as "… (skipped: <reason>)"; reasons are listed once each, in order.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const reasons = [];
    let unexplained = 0;
    for (const file of results.testResults) {
      for (const t of file.testResults) {
        if (t.status !== 'pending' && t.status !== 'todo' && t.status !== 'skipped') continue;
        const m = t.title.match(/\(skipped: (.*)\)\s*$/);
        if (m === null) unexplained++;
        else if (!reasons.includes(m[1])) reasons.push(m[1]);
      }
    }
    if (unexplained > 0) reasons.push(`${unexplained} without a reason`);
    const skipped = results.numPendingTests + results.numTodoTests;
    const why = skipped > 0 && reasons.length > 0 ? ` (${reasons.join('; ')})` : '';
    process.stdout.write(`jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped${why}\n`);
  }
}
module.exports = SummaryReporter;
