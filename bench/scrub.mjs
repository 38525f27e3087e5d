// `node bench/scrub.mjs [rounds]`: what one scrub (runtime/redact.ts: the email and card number scrubber every
// captured text, attribute and URL goes through) costs, in µs, on ordinary texts and on long hostile ones (a
// pattern that backtracks would take milliseconds on these). runtime/redact.test.ts checks what they come out as;
// this prints the time, a figure rather than a pass or fail. The module is bundled with esbuild (bench/node_modules,
// else the root's) and run in Node: V8, the regular expression engine of Chromium.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH = fileURLToPath(new URL('.', import.meta.url));
const rounds = Number(process.argv[2] ?? 5);

let esbuild;
try {
  esbuild = createRequire(join(BENCH, 'package.json'))('esbuild');
} catch {
  esbuild = createRequire(join(BENCH, '../package.json'))('esbuild');
}
const { outputFiles } = await esbuild.build({
  entryPoints: [join(BENCH, '../runtime/redact.ts')], bundle: true, format: 'esm', write: false, logLevel: 'error',
});
const { scrub } = await import(`data:text/javascript;base64,${Buffer.from(outputFiles[0].contents).toString('base64')}`);

const noDomain = `${'a.'.repeat(500)}@${'b'.repeat(500)}`;
const CASES = [
  ['ordinary: a button text, no @ or digits', 'Add to cart'],
  ['ordinary: an email in a sentence', 'Contact Bob.Smith+news@mail.example.co.uk today'],
  ['ordinary: a card number in a sentence', 'Pay with 4111-1111-1111-1111 now'],
  ['ordinary: a URL with an encoded email', 'https://shop.example/reset?email=alice%40example.com&step=1'],
  ['hostile: 500 dotted labels, @, 500 letters, no domain (2,001 chars)', noDomain],
  ['hostile: the same with a domain (2,005 chars)', `${noDomain}.com`],
  ['hostile: 600 digits, each followed by a space (1,200 chars)', '1 '.repeat(600)],
];

// Each result's length is summed, so no call's result goes unused.
let sink = 0;
console.log(`µs per scrub, median of ${rounds} rounds (min in brackets)`);
for (const [label, text] of CASES) {
  // Enough calls per round for a round to last a few ms, after a warm-up that lets V8 compile the patterns.
  const calls = text.length > 100 ? 200 : 20_000;
  for (let i = 0; i < calls; i++) sink += scrub(text).length;
  const perCall = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) sink += scrub(text).length;
    perCall.push(((performance.now() - t0) * 1000) / calls);
  }
  perCall.sort((a, b) => a - b);
  const fmt = (us) => (us < 10 ? us.toFixed(2) : us.toFixed(0));
  console.log(`${fmt(perCall[Math.floor(rounds / 2)]).padStart(8)} ${`(${fmt(perCall[0])})`.padEnd(8)} ${label}`);
}
if (sink === 0) console.log('(no output)');
