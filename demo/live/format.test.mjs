import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describeEvent, pagePath } from './format.js';

test('a page path shows its text, not its percent-escapes', () => {
  const cases = [
    // A Cyrillic or Japanese path arrives as the browser serializes it, UTF-8 percent-encoded.
    [{ path: '/wiki/%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0' }, '/wiki/Москва'],
    [{ url: 'https://shop.example/%E6%97%A5%E6%9C%AC?q=1' }, '/日本'],
    // Escapes that carry a meaning in a path stay, and one that is no UTF-8 leaves the path as it came.
    [{ path: '/a%2Fb%3F/%E6%97' }, '/a%2Fb%3F/%E6%97'],
    [{ path: '/a%2Fb/%C3%A9' }, '/a%2Fb/é'],
    [{ url: 'https://shop.example/%E6%97' }, '/%E6%97'],
    [{ url: 'not a url' }, ''],
  ];
  for (const [page, shown] of cases) assert.equal(pagePath({ page }), shown, JSON.stringify(page));
  // A pageview of a page with no title is named by its path.
  assert.equal(describeEvent({ type: 'pageview', page: { title: '', path: '/%E6%97%A5%E6%9C%AC' } }), '/日本');
});

test('an event in the hour after midnight shows as 00:05, not 24:05 (the end of its day), for a viewer in en-US', () => {
  // The formatters are made with the viewer's locale as the module loads: a process of its own, in en-US, on UTC.
  const shown = execFileSync(process.execPath, ['--input-type=module', '-e', `
    const { clockTime, fullTime } = await import(${JSON.stringify(new URL('./format.js', import.meta.url).href)});
    const ms = Date.UTC(2026, 11, 2, 0, 5, 9);
    console.log(JSON.stringify([clockTime(ms), fullTime(ms)]));`], { env: { ...process.env, LANG: 'en_US.UTF-8', LC_ALL: 'en_US.UTF-8', TZ: 'UTC' } });
  assert.deepEqual(JSON.parse(String(shown)), ['00:05:09', '12/2/2026, 00:05:09']);
});
