// Reading the library for the views: filters <-> URL, timeline buckets, a bucket's photos.
// Uses the browse API where the server has it (buckets, facets); otherwise falls back to what
// every server has (photos with date filters and totalCount).
import { gql, schemaCapabilities } from "./api.js";

export const PHOTO_CARD = "hothash takenAt hotpreviewUrl width height title rating";

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

/** The PhotoFilter input for a filter state, using only fields this server has. */
export async function photoFilter(state) {
  const caps = await schemaCapabilities();
  const f = {};
  const has = (name) => caps.filterFields.has(name);
  if (state.q) {
    const field = ["search", "text", "query"].find(has);
    if (field) f[field] = state.q;
  }
  if (state.camera) f.cameraModel = state.camera;
  if (state.make) f.cameraMake = state.make;
  if (state.lens) f.lensModel = state.lens;
  if (state.tag?.length) f.tags = state.tag;
  if (state.from) f.takenAfter = localDateTime(state.from);
  if (state.to) f.takenBefore = localDateTime(nextDay(state.to)); // "to" is inclusive for people
  if (state.rating) f.minRating = Number(state.rating);
  if (state.fav) {
    const field = ["favorite", "isFavorite", "favourite"].find(has);
    if (field) f[field] = true;
  }
  if (state.gps) f.hasGps = state.gps === "1" || state.gps === "true";
  if (state.session) f.importSessionId = Number(state.session);
  // Ranges as "min-max" (either side may be empty): iso=100-800, fnum=1.4-2.8, focal=24-70.
  for (const [key, field, parse] of [["iso", "iso", parseInt], ["fnum", "aperture", parseFloat], ["focal", "focalLength", parseFloat]]) {
    if (!state[key] || !has(field)) continue;
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

function monthBounds(year, month) {
  const pad = (n) => String(n).padStart(2, "0");
  const next = month === 12 ? [year + 1, 1] : [year, month + 1];
  return { after: `${year}-${pad(month)}-01T00:00:00`, before: `${next[0]}-${pad(next[1])}-01T00:00:00` };
}

/** A bucket: {key, year, month, count, after, before} (undated: year null). */
function monthBucket(year, month, count) {
  return { key: `${year}-${String(month).padStart(2, "0")}`, year, month, count, ...monthBounds(year, month) };
}

/**
 * The timeline's buckets under `filter`, newest month first, undated last: from the server's
 * bucket query when it has one, else counted per month with aliased totalCount queries.
 */
export async function timelineBuckets(filter) {
  const caps = await schemaCapabilities();
  if (caps.queries.has("photoTimeline")) {
    const data = await gql(`query Timeline($filter: PhotoFilter) {
      photoTimeline(filter: $filter, granularity: MONTH) { buckets { label start end count cursor } undatedCount undatedCursor }
    }`, { filter });
    const t = data.photoTimeline;
    const buckets = t.buckets.map((b) => {
      const [year, month] = b.label.split("-").map(Number);
      return { key: b.label, year, month, count: b.count, after: b.start, before: b.end, cursor: b.cursor };
    });
    if (t.undatedCount) buckets.push({ key: "undated", year: null, count: t.undatedCount, cursor: t.undatedCursor });
    return buckets;
  }
  return countedBuckets(filter);
}

async function countedBuckets(filter) {
  const ends = await gql(`query Ends($filter: PhotoFilter) {
    total: photos(first: 1, filter: $filter) { totalCount edges { node { takenAt } } }
    oldest: photos(first: 1, filter: $filter, orderBy: TAKEN_AT_ASC) { edges { node { takenAt } } }
  }`, { filter });
  const total = ends.total.totalCount;
  const newest = ends.total.edges[0]?.node.takenAt;
  const oldest = ends.oldest.edges[0]?.node.takenAt;
  const buckets = [];
  let dated = 0;
  if (newest && oldest) {
    const months = [];
    let [y, m] = newest.slice(0, 7).split("-").map(Number);
    const [oy, om] = oldest.slice(0, 7).split("-").map(Number);
    while (y > oy || (y === oy && m >= om)) {
      months.push([y, m]);
      [y, m] = m === 1 ? [y - 1, 12] : [y, m - 1];
    }
    for (let i = 0; i < months.length; i += 24) {
      const part = months.slice(i, i + 24);
      const fields = part.map(([yy, mm], j) => {
        const b = monthBounds(yy, mm);
        return `m${j}: photos(first: 0, filter: {${Object.keys(filter).map((k) => `${k}: $${k}`).join(", ")}${Object.keys(filter).length ? ", " : ""}takenAfter: "${b.after}", takenBefore: "${b.before}"}) { totalCount }`;
      });
      const types = await filterVariableTypes(filter);
      const decl = Object.keys(filter).map((k) => `$${k}: ${types[k]}`).join(", ");
      const data = await gql(`query Months${decl ? `(${decl})` : ""} { ${fields.join("\n")} }`, filter);
      part.forEach(([yy, mm], j) => {
        const count = data[`m${j}`].totalCount;
        if (count) {
          buckets.push(monthBucket(yy, mm, count));
          dated += count;
        }
      });
    }
  }
  if (total > dated) buckets.push({ key: "undated", year: null, count: total - dated });
  return buckets;
}

async function filterVariableTypes(filter) {
  const caps = await schemaCapabilities();
  const render = (t) => (t.kind === "NON_NULL" ? `${render(t.ofType)}!` : t.kind === "LIST" ? `[${render(t.ofType)}]` : t.name);
  return Object.fromEntries(Object.keys(filter).map((k) => [k, render(caps.filterTypes[k])]));
}

const PAGE = 500;
// A month with more photos than this is loaded by day, so any row of it is one or two requests
// away instead of a walk through every page before it.
const SPLIT_ABOVE = 1000;

function pageQuery() {
  return `query Page($first: Int, $after: String, $filter: PhotoFilter) {
    photos(first: $first, after: $after, filter: $filter) { pageInfo { hasNextPage endCursor } edges { node { ${PHOTO_CARD} } } }
  }`;
}

/** Every photo under `filter` (page by page): for a day, a small month, the undated. */
async function loadAll(filter, into, offset, limit = Infinity, keep = () => true, maxPages = Infinity) {
  let cursor = null;
  let n = 0;
  for (let pages = 1; ; pages++) {
    const data = await gql(pageQuery(), { first: PAGE, after: cursor, filter });
    for (const e of data.photos.edges) {
      if (!keep(e.node)) continue;
      into[offset + n++] = e.node;
    }
    cursor = data.photos.pageInfo.endCursor;
    if (!data.photos.pageInfo.hasNextPage || n >= limit || pages >= maxPages) return n;
  }
}

/**
 * Photos of one bucket, loaded on demand: `ensure(start, end)` loads at least the photos at
 * those positions. `photos` is sparse until everything is loaded.
 */
export class BucketPhotos {
  constructor(bucket, filter) {
    this.bucket = bucket;
    this.filter = bucket.year === null ? filter : { ...filter, takenAfter: maxDate(filter.takenAfter, bucket.after), takenBefore: minDate(filter.takenBefore, bucket.before) };
    this.photos = [];
    this.loaded = new Map(); // what has been asked for -> its promise
  }

  async ensure(start, end = start) {
    if (this.bucket.year === null && !this.undatedFilter) {
      const caps = await schemaCapabilities();
      const field = ["undated", "hasTakenAt", "hasDate", "dated"].find((f) => caps.filterFields.has(f));
      this.undatedFilter = field ? { ...this.filter, [field]: field === "undated" } : null;
    }
    if (this.bucket.year === null && !this.undatedFilter) {
      // This server cannot filter undated photos: walk the timeline (they come last) and keep them.
      await this.once("all", () => loadAll(this.filter, this.photos, 0, this.bucket.count, (p) => !p.takenAt));
      return this.photos;
    }
    const filter = this.undatedFilter ?? this.filter;
    if (end <= PAGE) {
      // The top of any bucket (where a jump lands) is one request.
      await this.once("first", () => loadAll(filter, this.photos, 0, PAGE, () => true, 1));
      return this.photos;
    }
    if (this.bucket.year === null || this.bucket.count <= SPLIT_ABOVE) {
      await this.once("all", () => loadAll(filter, this.photos, 0));
      return this.photos;
    }
    const days = await this.once("days", () => dayCounts(this.filter, this.bucket));
    let offset = 0;
    const loads = [];
    for (const day of days) {
      if (offset < end && offset + day.count > start) {
        const at = offset;
        loads.push(this.once(day.after, () => loadAll({ ...this.filter, takenAfter: day.after, takenBefore: day.before }, this.photos, at)));
      }
      offset += day.count;
    }
    await Promise.all(loads);
    return this.photos;
  }

  once(key, load) {
    if (!this.loaded.has(key)) {
      const p = load();
      this.loaded.set(key, p);
      p.catch(() => this.loaded.delete(key)); // a failed load is tried again next time
    }
    return this.loaded.get(key);
  }
}

/** The days of a month bucket with photos, newest first: [{after, before, count}]. */
async function dayCounts(filter, bucket) {
  const caps = await schemaCapabilities();
  const [y, m] = [bucket.year, bucket.month];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const pad = (n) => String(n).padStart(2, "0");
  const days = [];
  for (let d = last; d >= 1; d--) {
    const after = `${y}-${pad(m)}-${pad(d)}T00:00:00`;
    const before = d === last ? bucket.before : `${y}-${pad(m)}-${pad(d + 1)}T00:00:00`;
    days.push({ after: maxDate(filter.takenAfter, after), before: minDate(filter.takenBefore, before) });
  }
  if (caps.queries.has("photoTimeline")) {
    const monthFilter = { ...filter, takenAfter: maxDate(filter.takenAfter, bucket.after), takenBefore: minDate(filter.takenBefore, bucket.before) };
    const data = await gql(`query Days($filter: PhotoFilter) { photoTimeline(filter: $filter, granularity: DAY) { buckets { start end count } } }`, { filter: monthFilter });
    return data.photoTimeline.buckets.map((b) => ({ after: b.start, before: b.end, count: b.count }));
  }
  const types = await filterVariableTypes(filter);
  const rest = Object.keys(filter).filter((k) => k !== "takenAfter" && k !== "takenBefore");
  const decl = rest.map((k) => `$${k}: ${types[k]}`).join(", ");
  const fields = days.map((d, i) => `d${i}: photos(first: 0, filter: {${rest.map((k) => `${k}: $${k}, `).join("")}takenAfter: "${d.after}", takenBefore: "${d.before}"}) { totalCount }`);
  const data = await gql(`query Days${decl ? `(${decl})` : ""} { ${fields.join("\n")} }`, Object.fromEntries(rest.map((k) => [k, filter[k]])));
  return days.map((d, i) => ({ ...d, count: data[`d${i}`].totalCount })).filter((d) => d.count);
}

function maxDate(a, b) {
  return !a ? b : !b ? a : a > b ? a : b;
}
function minDate(a, b) {
  return !a ? b : !b ? a : a < b ? a : b;
}

/** Facet counts under the filter, when the server has a facets query; else null. */
export async function facets(filter) {
  const caps = await schemaCapabilities();
  if (!caps.queries.has("photoFacets")) return null;
  const data = await gql(`query Facets($filter: PhotoFilter) {
    photoFacets(filter: $filter) {
      cameraModels(first: 100) { value count } lensModels(first: 100) { value count } tags(first: 200) { value count }
      years { year count } ratings { rating count }
    }
  }`, { filter });
  return data.photoFacets;
}
