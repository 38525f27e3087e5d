// The Snowplow browser tracker with its link and button click plugins, bundled by the bench (esbuild, minified IIFE).
export { newTracker, trackPageView, trackSelfDescribingEvent } from '@snowplow/browser-tracker';
export { LinkClickTrackingPlugin, enableLinkClickTracking } from '@snowplow/browser-plugin-link-click-tracking';
export { ButtonClickTrackingPlugin, enableButtonClickTracking } from '@snowplow/browser-plugin-button-click-tracking';
