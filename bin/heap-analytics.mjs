#!/usr/bin/env node
// The heap-analytics command line. `heap-analytics plan <files|dirs|globs...> [--json]` prints the tracking plan.
const USAGE = `usage: heap-analytics plan <files|directories|globs...> [--json]

  Lists every event declared with data-heap-* markup in HTML and template files
  (.html .htm .liquid .njk .hbs .twig .php .erb in directories), with its trigger
  and properties, and flags markup problems. Exits 1 when a problem was found.

  --json   print a JSON document instead of a table`;

async function main(argv) {
  const [command, ...rest] = argv;
  if (!command) {
    console.error(USAGE);
    return 2;
  }
  // `plan --help` is how most people ask first; it was an unknown option.
  if (['-h', '--help', 'help'].includes(command) || rest.some((a) => a === '-h' || a === '--help')) {
    console.log(USAGE);
    return 0;
  }
  if (command !== 'plan') {
    console.error(`heap-analytics: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  const json = rest.includes('--json');
  const unknown = rest.filter((a) => a.startsWith('-') && a !== '--json');
  const inputs = rest.filter((a) => !a.startsWith('-'));
  if (unknown.length || !inputs.length) {
    console.error(`heap-analytics: ${unknown.length ? `unknown option ${unknown[0]}` : 'plan needs files, directories or globs'}\n\n${USAGE}`);
    return 2;
  }
  const { plan, formatJson, formatTable } = await import('./plan.mjs');
  const report = await plan(inputs);
  if (!report.files.length) {
    console.error(`heap-analytics: no files matched ${inputs.join(' ')}`);
    return 2;
  }
  console.log(json ? formatJson(report) : formatTable(report));
  return report.problems ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err) => {
    console.error(`heap-analytics: ${err instanceof Error ? err.message : err}`);
    process.exitCode = 2;
  },
);
