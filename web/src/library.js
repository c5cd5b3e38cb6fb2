// Reading the library for the views: filters <-> URL, timeline buckets, a bucket's photos, facets,
// through the browse API (photoTimeline buckets with cursors, last/before paging, photoFacets).
import { gql } from "./api.js";
import { PHOTO_CARD, TIMELINE_QUERY } from "./boot.js";

export { PHOTO_CARD };

// URL parameter <-> PhotoFilter field. Several values: tag=a&tag=b.
const URL_FILTERS = {
  q: "text", camera: "cameraModel", make: "cameraMake", lens: "lensModel", tag: "tags",
  from: "takenAfter", to: "takenBefore", rating: "minRating", fav: "favorite", gps: "hasGps", session: "importSessionId",
  bbox: "bbox", iso: "iso", fnum: "aperture", focal: "focalLength",
};

/** The filter state of a URL's query string: {q, camera, ..., tag: [..]} (strings). */
export function filterStateFromUrl(search = location.search) {
  const params = new URLSearchParams(search);
  const state = {};
  for (const key of Object.keys(URL_FILTERS)) {
    const values = params.getAll(key).filter((v) => v !== "");
    if (values.length) state[key] = key === "tag" ? values : values[0];
  }
  return state;
}

export function filterStateToQuery(state) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(state)) {
    for (const v of [].concat(value ?? [])) if (v !== "" && v !== null && v !== undefined) params.append(key, v);
  }
  const s = params.toString();
  return s ? `?${s}` : "";
}

function localDateTime(date) {
  return date.length === 10 ? `${date}T00:00:00` : date;
}

function nextDay(date) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** The PhotoFilter input for a filter state. */
export function photoFilter(state) {
  const f = {};
  if (state.q) f.search = state.q;
  if (state.camera) f.cameraModel = state.camera;
  if (state.make) f.cameraMake = state.make;
  if (state.lens) f.lensModel = state.lens;
  if (state.tag?.length) f.tags = state.tag;
  if (state.from) f.takenAfter = localDateTime(state.from);
  if (state.to) f.takenBefore = localDateTime(nextDay(state.to)); // "to" is inclusive for people
  if (state.rating) f.minRating = Number(state.rating);
  if (state.fav) f.favorite = true;
  if (state.gps) f.hasGps = state.gps === "1" || state.gps === "true";
  if (state.session) f.importSessionId = Number(state.session);
  // Ranges as "min-max" (either side may be empty): iso=100-800, fnum=1.4-2.8, focal=24-70.
  for (const [key, field, parse] of [["iso", "iso", parseInt], ["fnum", "aperture", parseFloat], ["focal", "focalLength", parseFloat]]) {
    if (!state[key]) continue;
    const [lo, hi] = state[key].split("-").map((v) => (v.trim() === "" ? null : parse(v)));
    const range = {};
    if (Number.isFinite(lo)) range.min = lo;
    if (Number.isFinite(hi)) range.max = hi;
    if (Object.keys(range).length) f[field] = range;
  }
  if (state.bbox) {
    const [south, west, north, east] = state.bbox.split(",").map(Number);
    if ([south, west, north, east].every(Number.isFinite)) f.bbox = { south, west, north, east };
  }
  return f;
}

const PAGE_INFO = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }";

/**
 * What the first paint needs, in one request: the month buckets under `filter` (newest first,
 * undated last) and the newest `first` photos, which are the top of the first bucket.
 */
export async function timelineStart(filter, first) {
  const data = await gql(TIMELINE_QUERY, { filter, first });
  const t = data.photoTimeline;
  const buckets = t.buckets.map((b) => {
    const [year, month] = b.label.split("-").map(Number);
    return { key: b.label, year, month, count: b.count, after: b.start, before: b.end, cursor: b.cursor };
  });
  if (t.undatedCount) buckets.push({ key: "undated", year: null, count: t.undatedCount, cursor: t.undatedCursor });
  // A bucket ends where the next one starts (the last one at the end of the listing).
  buckets.forEach((b, i) => { b.endCursor = buckets[i + 1]?.cursor ?? null; });
  return { buckets, newest: data.photos };
}

// Photos per request when walking a stretch. The first request of a stretch (where a jump lands)
// asks only for the photos the rows waiting for it show (at least FIRST_PAGE), so they come back
// quickly: the server's time grows with the photos asked for (at 1,000,000 photos a page of 100
// took it about twice as long as one of 24).
const PAGE = 200;
const FIRST_PAGE = 24;
// Rows further than a page from both ends of a month are loaded by day (its days' cursors, asked
// once and kept): any row is then a request or two away, never a walk of pages one after another.
const SPLIT_ABOVE = 2 * PAGE;

const PAGE_QUERY = `query Page($filter: PhotoFilter, $first: Int, $after: String, $last: Int, $before: String) {
  photos(filter: $filter, first: $first, after: $after, last: $last, before: $before) { ${PAGE_INFO} edges { node { ${PHOTO_CARD} } } }
}`;

/**
 * A stretch of the listing (a bucket, or a day of one) whose length is known and whose ends
 * have cursors: `after` opens it, `before` (null: the end of the listing) closes it. Photos at
 * positions [start, end) are loaded by walking pages from the nearer end: forward with
 * first/after, backward with last/before, so the end of a long stretch (scrolling up into it)
 * is as near as its start.
 */
class Stretch {
  constructor(filter, count, after, before, into, offset) {
    Object.assign(this, { filter, count, after, before, into, offset });
    this.forward = []; // [{to, cursor, promise}]: pages from the start, each ending at `to`
    this.backward = []; // [{from, cursor, promise}]: pages from the end, each starting at `from`
  }

  /** Photos already known (the first page of the timeline's first request). */
  seed(page) {
    const edges = page.edges.slice(0, this.count); // the page may run on into the next bucket
    edges.forEach((e, i) => { this.into[this.offset + i] = e.node; });
    const to = edges.length < this.count && page.pageInfo.hasNextPage ? edges.length : this.count;
    this.forward.push({ to, cursor: page.pageInfo.endCursor, promise: Promise.resolve() });
  }

  ensure(start, end) {
    start = Math.max(0, start);
    end = Math.min(this.count, end);
    if (start >= end) return Promise.resolve();
    const walks = [];
    if (start <= this.count - end) walks.push(this.walkForward(end));
    else walks.push(this.walkBackward(start));
    return Promise.all(walks);
  }

  walkForward(end) {
    const last = this.forward.at(-1);
    if (last && (last.to >= end || last.to >= this.count)) return this.forward.find((p) => p.to >= end)?.promise ?? last.promise;
    const from = last?.to ?? 0;
    const size = Math.min(from ? PAGE : Math.min(PAGE, Math.max(FIRST_PAGE, end - from)), this.count - from);
    const page = { to: from + size, cursor: null };
    page.promise = (last?.promise ?? Promise.resolve()).then(() =>
      gql(PAGE_QUERY, { filter: this.filter, first: size, after: last ? last.cursor : this.after })).then((data) => {
      data.photos.edges.forEach((e, i) => { this.into[this.offset + from + i] = e.node; });
      page.cursor = data.photos.pageInfo.endCursor;
      if (!data.photos.pageInfo.hasNextPage) page.to = this.count; // the listing ended early (photos deleted)
    });
    this.track(this.forward, page);
    return page.to >= end ? page.promise : page.promise.then(() => this.walkForward(end));
  }

  walkBackward(start) {
    const last = this.backward.at(-1);
    if (last && (last.from <= start || last.from <= 0)) return this.backward.find((p) => p.from <= start)?.promise ?? last.promise;
    const to = last?.from ?? this.count;
    const size = Math.min(last ? PAGE : Math.min(PAGE, Math.max(FIRST_PAGE, to - start)), to);
    const page = { from: to - size, cursor: null };
    page.promise = (last?.promise ?? Promise.resolve()).then(() =>
      gql(PAGE_QUERY, { filter: this.filter, last: size, before: last ? last.cursor : this.before })).then((data) => {
      const edges = data.photos.edges;
      edges.forEach((e, i) => { this.into[this.offset + to - edges.length + i] = e.node; });
      page.cursor = data.photos.pageInfo.startCursor;
      if (!data.photos.pageInfo.hasPreviousPage) page.from = 0;
    });
    this.track(this.backward, page);
    return page.from <= start ? page.promise : page.promise.then(() => this.walkBackward(start));
  }

  track(pages, page) {
    pages.push(page);
    page.promise.catch(() => pages.splice(pages.indexOf(page))); // a failed page is asked again next time
  }
}

/**
 * Photos of one bucket, loaded on demand: `ensure(start, end)` loads at least the photos at
 * those positions. `photos` is sparse until everything is loaded. A large month is split into
 * its days (each a stretch with its own cursors); its first and last rows come from the month's
 * own cursors at once (forwards from its start, backwards from the next month's), without
 * waiting for the days.
 */
export class BucketPhotos {
  constructor(bucket, filter) {
    this.bucket = bucket;
    this.filter = filter;
    this.photos = [];
    this.whole = new Stretch(filter, bucket.count, bucket.cursor, bucket.endCursor, this.photos, 0);
    this.byDay = bucket.year !== null && bucket.count > SPLIT_ABOVE;
  }

  seed(page) {
    this.whole.seed(page);
  }

  has(start, end) {
    for (let k = start; k < end; k++) if (!this.photos[k]) return false;
    return true;
  }

  async ensure(start, end = start + 1) {
    end = Math.min(end, this.bucket.count);
    if (this.has(start, end)) return this.photos;
    if (!this.byDay || end <= PAGE || start >= this.bucket.count - PAGE) {
      await this.whole.ensure(start, end);
      return this.photos;
    }
    this.days ??= dayStretches(this.filter, this.bucket, this.photos);
    this.days.catch(() => { this.days = null; });
    const days = await this.days;
    await Promise.all(days.filter((d) => d.offset < end && d.offset + d.count > start)
      .map((d) => d.ensure(start - d.offset, end - d.offset)));
    return this.photos;
  }
}

/** The days of a month bucket as stretches of its photo array, newest first. */
async function dayStretches(filter, bucket, into) {
  const monthFilter = { ...filter, takenAfter: maxDate(filter.takenAfter, bucket.after), takenBefore: minDate(filter.takenBefore, bucket.before) };
  const data = await gql(`query Days($filter: PhotoFilter) { photoTimeline(filter: $filter, granularity: DAY) { buckets { count cursor } } }`, { filter: monthFilter });
  const days = data.photoTimeline.buckets;
  let offset = 0;
  return days.map((d, i) => {
    const stretch = new Stretch(filter, d.count, d.cursor, days[i + 1]?.cursor ?? bucket.endCursor, into, offset);
    offset += d.count;
    return stretch;
  });
}

function maxDate(a, b) {
  return !a ? b : !b ? a : a > b ? a : b;
}
function minDate(a, b) {
  return !a ? b : !b ? a : a < b ? a : b;
}

/** Facet counts under the filter, when the server has a facets query; else null. */
export async function facets(filter) {
  const data = await gql(`query Facets($filter: PhotoFilter) {
    photoFacets(filter: $filter) {
      cameraModels(first: 100) { value count } lensModels(first: 100) { value count } tags(first: 200) { value count }
      years { year count } ratings { rating count }
    }
  }`, { filter });
  return data.photoFacets;
}
