#!/bin/bash
# usage: ff.sh VARIANT RUN [headless|xvfb] [extra user.js lines file]
v=$1; run=$2; mode=${3:-headless}
prof=${TMPDIR:-/tmp}/ff-bfcache-prof-$run; rm -rf $prof; mkdir -p $prof
cat > $prof/user.js <<'P'
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);
user_pref("browser.aboutwelcome.enabled", false);
user_pref("app.update.disabledForTesting", true);
user_pref("browser.sessionstore.resume_from_crash", false);
P
[ -n "$4" ] && cat "$4" >> $prof/user.js
url="http://127.0.0.1:8765/a.html?v=$v&run=$run"
if [ "$mode" = headless ]; then
  MOZ_HEADLESS=1 /usr/bin/firefox-esr --headless --no-remote --profile $prof "$url" >${TMPDIR:-/tmp}/ff-bfcache-$run.log 2>&1 &
else
  DISPLAY=:99 /usr/bin/firefox-esr --no-remote --profile $prof "$url" >${TMPDIR:-/tmp}/ff-bfcache-$run.log 2>&1 &
fi
pid=$!
for i in $(seq 1 60); do
  sleep 1
  r=$(curl -s "http://127.0.0.1:8765/result?run=$run")
  echo "$r" | grep -q 'restored\|reloaded' && break
done
kill $pid 2>/dev/null; sleep 1; kill -9 $pid 2>/dev/null
echo "$v $run $mode: $(echo "$r" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).map(e=>e.msg).join(" > ")))')"
