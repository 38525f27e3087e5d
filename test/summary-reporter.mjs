// A web-test-runner reporter that writes the pass/fail totals for scripts/run-tests.mjs to print as one line.
import { mkdirSync, writeFileSync } from 'node:fs';

function countTests(suite, totals) {
  for (const test of suite?.tests ?? []) {
    if (test.skipped) continue;
    if (test.passed) totals.passed++;
    else totals.failed++;
  }
  for (const child of suite?.suites ?? []) countTests(child, totals);
}

/** Counts every test of every browser session and writes `.tmp/wtr-summary.json`. */
export function summaryReporter(file = '.tmp/wtr-summary.json') {
  return {
    onTestRunFinished({ sessions }) {
      const totals = { passed: 0, failed: 0 };
      for (const session of sessions) {
        countTests(session.testResults, totals);
        // A file that failed to load or threw outside a test counts as one failure.
        if (!session.passed && (session.errors?.length || !session.testResults)) totals.failed++;
      }
      mkdirSync('.tmp', { recursive: true });
      writeFileSync(file, JSON.stringify(totals));
    },
  };
}
