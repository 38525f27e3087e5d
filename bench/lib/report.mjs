// Turns the runs into figures: medians per SDK, net of the no-SDK page where the figure says so, the ratio of
// ours to each peer and to the best peer, checked against issue 8's targets. Text for stdout, markdown, JSON.

const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

/**
 * Each figure: where it comes from (`from`: track, click, markup or bytes), how to read one run, whether the
 * baseline is subtracted, how to scale the median (`per`), its unit, and the target when issue 8 sets one.
 */
function figures(config) {
  const E = config.events;
  const C = config.clicks;
  const perCall = (ms, n) => (typeof ms === 'number' && n ? (ms * 1000) / n : null);
  return [
    // Ours: the ES module bundle, then the classic (IIFE) one; peers: the one browser bundle each ships (or, for
    // snowplow, the one bundled here), in both rows. Peers ship minified files only: no raw figure.
    { key: 'gzip_esm', label: 'gzip, drop-in bundle (ours: ES module) (KB)', from: 'bytes', pick: (b) => b.esm?.gzip ?? b.gzip, scale: 1 / 1024, unit: 'KB', target: { ratio: 1 / 2 } },
    { key: 'gzip_iife', label: 'gzip, classic script (ours: IIFE) (KB)', from: 'bytes', pick: (b) => b.iife?.gzip ?? b.gzip, scale: 1 / 1024, unit: 'KB', target: { ratio: 1 / 2 } },
    { key: 'brotli_esm', label: 'brotli, drop-in bundle (KB)', from: 'bytes', pick: (b) => b.esm?.brotli ?? b.brotli, scale: 1 / 1024, unit: 'KB' },
    { key: 'min_esm', label: 'minified, drop-in bundle (KB)', from: 'bytes', pick: (b) => b.esm?.min ?? b.min, scale: 1 / 1024, unit: 'KB' },
    { key: 'raw_esm', label: 'raw (unminified), drop-in bundle (KB)', from: 'bytes', pick: (b) => b.esm?.raw ?? null, scale: 1 / 1024, unit: 'KB' },
    { key: 'page_js', label: 'JS the page downloaded (KB, uncompressed)', from: 'track', pick: (r) => sum(Object.values(r.scripts ?? {})), scale: 1 / 1024, unit: 'KB' },
    { key: 'boot', label: 'boot: main thread, script start to ready (ms)', from: 'track', pick: (r) => r.boot?.main.task, net: true, unit: 'ms' },
    { key: 'boot_settled', label: 'boot: main thread, to ready + 1 s (ms)', from: 'track', pick: (r) => r.boot?.mainSettled.task, net: true, unit: 'ms' },
    { key: 'boot_wall', label: 'boot: wall time to ready (ms)', from: 'track', pick: (r) => r.boot?.wallMs, unit: 'ms' },
    { key: 'track_events', label: 'track() calls -> events stored (dropped)', from: 'track', pick: (r) => r.events, unit: '', fmt: (v, c) => `${fmtN(v)} -> ${fmtN(c?.stored)}${c?.dropped ? ` (${fmtN(c.dropped)})` : ''}` },
    { key: 'track_sync_us', label: "track(): per call, on the caller's stack, wall (µs)", from: 'track', pick: (r) => perCall(r.syncMs, r.events), net: true, unit: 'µs', target: { abs: 2 } },
    { key: 'track_sync_cpu_us', label: 'track(): per call, CPU of the loop task incl. its microtasks (µs)', from: 'track', pick: (r) => perCall(r.loopMain?.task, r.events), net: true, unit: 'µs' },
    { key: 'track_main_us', label: 'track(): main thread per call, until delivered (µs)', from: 'track', pick: (r) => perCall(r.untilDelivered?.task, r.events), complete: (r) => r.delivery?.complete, net: true, unit: 'µs', target: { ratio: 1 / 10 } },
    { key: 'track_main_total', label: `track(): main thread until delivered, scaled to ${fmtN(E)} calls (ms)`, from: 'track', pick: (r) => perCall(r.untilDelivered?.task, r.events), complete: (r) => r.delivery?.complete, net: true, scale: E / 1000, unit: 'ms' },
    { key: 'click_syn_sync_us', label: `${fmtN(C)} synthetic clicks: listener time per click, wall (µs)`, from: 'click', pick: (r) => perCall(r.synthetic?.syncMs, r.clicks), net: true, unit: 'µs' },
    { key: 'click_syn_cpu_us', label: `${fmtN(C)} synthetic clicks: CPU of the loop task per click (µs)`, from: 'click', pick: (r) => perCall(r.synthetic?.loopMain?.task, r.clicks), net: true, unit: 'µs' },
    { key: 'click_syn_main_us', label: `${fmtN(C)} synthetic clicks: main thread per click until delivered (µs)`, from: 'click', pick: (r) => perCall(r.synthetic?.untilDelivered.task, r.clicks), complete: (r) => r.synthetic?.delivery?.complete, net: true, unit: 'µs', target: { ratio: 1 / 10, abs: 50 } },
    { key: 'click_trusted_main', label: `${fmtN(C)} trusted clicks: main thread until delivered (ms)`, from: 'click', pick: (r) => r.trusted?.untilDelivered.task, complete: (r) => r.trusted?.delivery?.complete, net: true, unit: 'ms', target: { ratio: 1 / 10 } },
    // The script part alone: the no-SDK page runs none, so it has no share of the browser's input handling, whose
    // time moves the total by hundreds of milliseconds from run to run.
    { key: 'click_trusted_script', label: `${fmtN(C)} trusted clicks: script until delivered (ms)`, from: 'click', pick: (r) => r.trusted?.untilDelivered.script, complete: (r) => r.trusted?.delivery?.complete, net: true, unit: 'ms' },
    { key: 'click_captured', label: 'clicks captured (synthetic / trusted)', from: 'click', pick: (r) => r.synthetic?.captured, unit: '', fmt: (v, c) => `${fmtN(v)} / ${fmtN(c?.trustedCaptured)}` },
    { key: 'markup_insert', label: `${fmtN(config.nodes)} annotated nodes inserted: SDK main thread (ms)`, from: 'markup', pick: (r) => r.insert?.task, net: true, unit: 'ms', target: { abs: 20 } },
    // The script part alone: the insertion's layout moves the total by tens of milliseconds between identical runs.
    { key: 'markup_insert_script', label: `${fmtN(config.nodes)} annotated nodes inserted: SDK script (ms)`, from: 'markup', pick: (r) => r.insert?.script, net: true, unit: 'ms' },
    { key: 'markup_remove', label: `${fmtN(config.nodes)} annotated nodes removed: SDK main thread (ms)`, from: 'markup', pick: (r) => r.remove?.task, net: true, unit: 'ms' },
    { key: 'markup_left', label: 'left behind after removal (listeners + observers + live divs)', from: 'markup', pick: (r) => leftovers(r), unit: '', fmt: (v) => String(v) },
    { key: 'wire_per_event', label: 'wire: request body bytes per stored event (B)', from: 'track', pick: (r) => (r.wire?.track ? r.wire.bodyBytes / r.wire.track : null), unit: 'B', target: { ratio: 1 / 2 } },
    { key: 'wire_head_per_event', label: 'wire: body + request-head bytes per stored event (B)', from: 'track', pick: (r) => (r.wire?.track ? (r.wire.bodyBytes + r.wire.headBytes) / r.wire.track : null), unit: 'B' },
    { key: 'wire_requests', label: 'wire: requests per 1,000 stored events', from: 'track', pick: (r) => (r.wire?.track ? (r.wire.posts * 1000) / r.wire.track : null), unit: '' },
    { key: 'wire_total', label: 'wire: request body bytes, all events of the run (KB)', from: 'track', pick: (r) => r.wire?.bodyBytes, scale: 1 / 1024, unit: 'KB' },
    { key: 'heap', label: 'JS heap after the events are delivered, above baseline (MB)', from: 'track', pick: (r) => r.heap, complete: (r) => r.delivery?.complete, net: true, scale: 1 / 2 ** 20, unit: 'MB', target: { ratio: 1 / 2 }, fullCountOnly: true },
  ];
}

const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const fmtN = (v) => (v === null || v === undefined ? 'n/a' : Math.round(v).toLocaleString('en-US'));

/** What the SDK left behind: growth of listeners, observers and live divs from before insertion to after removal. */
function leftovers(r) {
  if (!r?.census0 || !r?.census1) return null;
  return sum(Object.keys(r.census0).map((k) => Math.max(0, r.census1[k] - r.census0[k])));
}

function fmt(v, unit) {
  if (v === null || v === undefined) return 'n/a';
  const a = Math.abs(v);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return `${v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })}${unit && unit !== '' ? ` ${unit}` : ''}`;
}

export function report({ config, sdks, bytes, ours, results, machine, durationS }) {
  const ids = Object.keys(sdks);
  const peers = ids.filter((id) => sdks[id].peer);
  const figs = figures(config);
  const table = {};
  const why = {};

  for (const f of figs) {
    table[f.key] = {};
    const baseline = f.net ? median((results[f.from]?.none ?? []).filter((r) => !r.error).map(f.pick)) : 0;
    for (const id of ids) {
      if (id === 'none' && f.from !== 'bytes' && f.net) continue;
      let value = null;
      let extra;
      if (f.from === 'bytes') {
        value = bytes[id] ? f.pick(bytes[id]) : null;
      } else {
        const runs = (results[f.from]?.[id] ?? []).filter((r) => !r.error);
        if (!runs.length) {
          if (f.from === 'click' && sdks[id] && !sdks[id].clicks) why[`${f.key}:${id}`] = sdks[id].clicksWhy;
          if (f.from === 'markup' && sdks[id] && !sdks[id].markup) why[`${f.key}:${id}`] = 'no declarative markup tracking';
          if (f.from === 'track' && sdks[id]?.track === false) why[`${f.key}:${id}`] = 'markup floor only';
        } else {
          value = median(runs.map(f.pick));
          if (value !== null && f.net) value -= baseline ?? 0;
          if (f.complete) {
            const short = runs.filter((r) => !f.complete(r)).length;
            if (short) extra = { incomplete: short, of: runs.length };
          }
          if (f.key === 'track_events') extra = { stored: median(runs.map((r) => r.wire?.track)), dropped: median(runs.map((r) => r.wire?.dropped ?? 0)) };
          if (f.key === 'click_captured') extra = { trustedCaptured: median(runs.map((r) => r.trusted?.captured)) };
        }
      }
      if (value !== null && f.scale) value *= f.scale;
      table[f.key][id] = { value, ...extra };
    }
  }

  // Ratios: ours over each peer, and over the best (lowest) peer; the targets are checked on the latter.
  const verdicts = [];
  const mineIds = ['ours', 'ours-uncapped'].filter((id) => sdks[id]);
  for (const f of figs) {
    const row = table[f.key];
    // The heap figure depends on how many events ran: only peers that ran the full count compete for "best".
    const fullCount = (p) => !f.fullCountOnly || !sdks[p].slow || config.slowPeerEvents >= config.events;
    const candidates = peers.filter((p) => typeof row[p]?.value === 'number' && row[p].value > 0 && fullCount(p));
    const best = candidates.sort((a, b) => row[a].value - row[b].value)[0];
    for (const me of mineIds) {
      const mine = row[me]?.value;
      if (typeof mine !== 'number') continue;
      if (me === 'ours') {
        for (const p of peers) if (row[p]?.value > 0) row[p].ratio = mine / row[p].value;
      }
      if (best) row[me].vsBest = { id: best, value: row[best].value, ratio: mine / row[best].value };
      if (!f.target || f.fmt) continue;
      const who = me === 'ours' ? 'ours' : 'ours (caps raised)';
      if (f.target.ratio && best) {
        const ratio = mine / row[best].value;
        const ok = ratio <= f.target.ratio;
        const bound = row[best].incomplete ? ' (a lower bound: not every event was delivered)' : '';
        verdicts.push({ key: f.key, sdk: me, label: f.label, ok, ratio, detail: `${who} ${fmt(mine, f.unit)} vs best peer ${best} ${fmt(row[best].value, f.unit)}${bound}: ${ratio.toFixed(3)}x (target <= ${f.target.ratio.toFixed(2)}x${ok ? '' : `; ${(ratio / f.target.ratio).toFixed(1)}x too much`})` });
      }
      if (f.target.abs) {
        const ok = mine <= f.target.abs;
        verdicts.push({ key: f.key, sdk: me, label: f.label, ok, detail: `${who} ${fmt(mine, f.unit)} (bound < ${f.target.abs} ${f.unit}${ok ? '' : `; ${(mine / f.target.abs).toFixed(1)}x too much`})` });
      }
    }
    row.best = row.ours?.vsBest ?? null;
  }

  const floor = sdks.floor ? ['floor'] : [];
  const cols = [...mineIds, ...peers, ...floor];
  const title = (id) =>
    id === 'ours' ? `heap-analytics ${sdks.ours.version}` : id === 'ours-uncapped' ? 'heap-analytics, caps raised' : id === 'floor' ? 'markup floor (bare observers)' : `${id} ${sdks[id].version}`;
  // Ours over the bare observers, for the markup figures: how far above the platform's own cost.
  const overFloor = floor.length
    ? ['markup_insert', 'markup_insert_script', 'markup_remove']
        .filter((k) => table[k]?.ours?.value > 0 && table[k]?.floor?.value > 0)
        .map((k) => `${{ markup_insert: 'insert', markup_insert_script: 'insert, script only', markup_remove: 'remove' }[k]} ${fmt(table[k].ours.value, 'ms')} vs ${fmt(table[k].floor.value, 'ms')}: ${(table[k].ours.value / table[k].floor.value).toFixed(2)}x`)
    : [];
  const floorLine = overFloor.length ? [`Markup, ours over the floor (a bare MutationObserver + IntersectionObserver on the same page): ${overFloor.join('; ')}.`] : [];
  const head = ['figure (median, net of the no-SDK page where marked *)', ...cols.map(title), 'ours / best peer'];
  const rows = figs.map((f) => {
    const row = table[f.key];
    const cells = cols.map((id) => {
      const c = row[id];
      if (!c || c.value === null || c.value === undefined) return why[`${f.key}:${id}`] ? `n/a (${why[`${f.key}:${id}`]})` : 'n/a';
      let text = f.fmt ? f.fmt(c.value, c) : fmt(c.value, f.unit);
      if (c.incomplete) text = `>= ${text} [${c.incomplete}/${c.of} runs undelivered]`;
      return sdks[id]?.peer && c.ratio !== undefined && !f.fmt ? `${text} (${c.ratio < 0.1 ? c.ratio.toFixed(3) : c.ratio.toFixed(2)}x)` : text;
    });
    const best = row.best && !f.fmt ? `${row.best.ratio < 0.1 ? row.best.ratio.toFixed(3) : row.best.ratio.toFixed(2)}x ${row.best.id}` : '';
    return [`${f.label}${f.net ? ' *' : ''}`, ...cells, best];
  });

  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => String(c).padEnd(widths[i])).join(' | ');
  const text = [
    line(head),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
    ...rows.map(line),
    '',
    '(x) = heap-analytics (default settings) divided by that peer: below 1 means ours is smaller or faster.',
    `Segment and Snowplow (slow: a request per event; a queue rewritten per event) ran ${fmtN(Math.min(config.slowPeerEvents, config.events))} track() calls instead of ${fmtN(config.events)}; per-call and per-event figures compare, the heap figure does not (they are left out of its "best peer").`,
    '">= x [n/m runs undelivered]": in n of m runs not every event reached the collector before the timeout or a quiet spell; the figure is a lower bound.',
    '',
    ...floorLine,
    'Targets (issue 8):',
    ...verdicts.map((v) => `  ${v.ok ? 'MET ' : 'MISS'} ${v.label}: ${v.detail}`),
    '',
    `ES module bundle ${fmtBytes(bytes.ours.esm)}; classic (IIFE) bundle ${fmtBytes(bytes.ours.iife)}; from ${ours.source}, built ${ours.builtAt}.`,
    `${config.runs} run(s) per figure; machine: ${machine.cores} cores ${machine.cpu}, load average ${machine.loadavgStart.join(' ')} at start, ${machine.loadavgEnd.join(' ')} at end; ${machine.chromium}; ${durationS} s.`,
  ].join('\n');

  const mdRow = (r) => `| ${r.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  const markdown = [
    mdRow(head),
    mdRow(head.map(() => '---')),
    ...rows.map(mdRow),
    '',
    '(x) = ours divided by that peer: below 1 means ours is smaller or faster. * = net of the no-SDK page.',
    ...floorLine,
    '',
    ...verdicts.map((v) => `- ${v.ok ? 'met' : '**missed**'}: ${v.label}: ${v.detail}`),
    '',
  ].join('\n');

  return {
    text,
    markdown,
    json: {
      date: new Date().toISOString(),
      durationS,
      config,
      machine,
      ours,
      sdks: Object.fromEntries(ids.map((id) => [id, { label: sdks[id].label, version: sdks[id].version }])),
      bytes,
      figures: Object.fromEntries(figs.map((f) => [f.key, { label: f.label, unit: f.unit, net: !!f.net, ...table[f.key] }])),
      verdicts,
      runs: results,
    },
  };
}

function fmtBytes(b) {
  return `raw ${b.raw === null ? 'n/a' : `${b.raw} B`}, min ${b.min} B, gzip ${b.gzip} B, brotli ${b.brotli} B`;
}
