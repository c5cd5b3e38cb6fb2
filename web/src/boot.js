// The first screen's requests, sent while the app's code is still loading. The build inlines
// `startFirstRequests` into index.html (vite.config.js), so the session check and, on the
// timeline, its buckets and newest photos leave as soon as the HTML is parsed instead of after
// the scripts have loaded and run. api.js hands an early answer to the first gql() call that
// asks the same query with the same variables; anything else asks the server as usual.

export const SESSION_QUERY = "query Session { viewer { user { username isAdmin } signedIn accounts } }";

export const PHOTO_CARD = "hothash takenAt hotpreviewUrl width height title rating";
const PAGE_INFO = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }";

/** The month buckets under a filter (newest first, undated last) and the newest `first` photos. */
export const TIMELINE_QUERY = `query Timeline($filter: PhotoFilter, $first: Int!) {
    photoTimeline(filter: $filter, granularity: MONTH) { buckets { label start end count cursor } undatedCount undatedCursor }
    photos(first: $first, filter: $filter) { ${PAGE_INFO} edges { node { ${PHOTO_CARD} } } }
  }`;

// The grid's geometry, shared with the timeline view.
export const GRID = { cell: 180, gap: 4, overscan: 1.0, chrome: { width: 100, height: 48 }, maxFirst: 200 };

/**
 * How many of the newest photos the first screens show in a window of this size (the rows in
 * view and `overscan` viewports below), counted from the window, so that it can be known before
 * the page is laid out; a little more than the grid shows, never less.
 */
export function firstPhotos(width, height, grid) {
  const w = Math.max(0, width - grid.chrome.width);
  const h = Math.max(0, height - grid.chrome.height);
  const cols = Math.max(2, Math.floor(w / grid.cell));
  const cell = Math.max(1, Math.floor((w - grid.gap * (cols - 1)) / cols));
  const rows = Math.ceil(((1 + grid.overscan) * h) / (cell + grid.gap)) + 1;
  return Math.min(grid.maxFirst, Math.max(24, rows * cols));
}

/** Runs inline in the HTML (no imports, no closure): starts the first requests, keeps their answers. */
export function startFirstRequests(config, count) {
  const early = [];
  const ask = (query, variables) => {
    const started = performance.now();
    const response = fetch("/graphql", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ query, variables }),
      credentials: "same-origin",
    });
    response.catch(() => {}); // a failed early request is asked again by the app
    early.push({ query, key: JSON.stringify(variables), started, response });
  };
  ask(config.session, {});
  // The timeline (also under a photo view), unfiltered: a filtered view asks once its code runs.
  if (/^\/(photo\/[0-9a-f]{64})?$/.test(location.pathname) && !location.search) {
    ask(config.timeline, { filter: {}, first: count(innerWidth, innerHeight, config.grid) });
  }
  window.__imalinkEarly = early;
}

/** The inline script the build puts in index.html. */
export function inlineBootScript() {
  const config = { session: SESSION_QUERY, timeline: TIMELINE_QUERY, grid: GRID };
  return `(${startFirstRequests})(${JSON.stringify(config)}, ${firstPhotos});`;
}
