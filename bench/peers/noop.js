// The no-SDK baseline's "SDK": a script that loads and does nothing, so every page injects one script.
window.__noop = true;
