// The timeline: every photo, newest first, in month sections laid out from the bucket counts
// before any photo is loaded (Immich's approach). Only the rows in view are in the DOM; a
// bucket's photos load when its rows come near the viewport. The scrubber and the month menu
// jump anywhere at once. /photo/<hothash> opens the photo view over the timeline.
import { navigate, toast } from "../main.js";
import { BucketPhotos, filterStateFromUrl, photoFilter, timelineStart } from "../library.js";
import { h, formatNumber, MONTHS } from "../ui.js";
import { firstPhotos, GRID } from "../boot.js";
import { filterBar } from "./filters.js";
import { bulkBar } from "./bulk.js";

const TARGET_CELL = GRID.cell; // px; columns = floor(width / TARGET_CELL)
const HEADER = 52;
const GAP = GRID.gap;
const OVERSCAN = GRID.overscan; // viewports above and below kept rendered
// Browsers cannot lay out an element much taller than 2^25 px (33.5M; Firefox about 17.9M). A
// taller grid is shown through a canvas of MAX_CANVAS px that starts `base` px into the grid;
// when scrolling nears the canvas's ends, base moves by the same amount scrollTop moves back,
// so nothing moves on screen and scrolling stays native (compositor) scrolling in between.
const MAX_CANVAS = 15_000_000;
// Rows around the viewport are drawn a few per frame, within this many milliseconds, so a page of
// photos arriving (or a jump) never holds a frame up; rows in view are drawn at once.
const DRAW_BUDGET_MS = 6;
// The rows around the viewport ask for their photos once the rows in view have theirs on screen
// (or after this long): a jump's own thumbnails are not queued behind the months around it, at
// the server or in the browser's six connections.
const AROUND_WAIT_MS = 400;
// Year labels of the scrubber closer than this (px, besides their own height) are thinned out.
const LABEL_GAP = 2;

/**
 * Put `cells` into the row `el` once all their images are decoded (at once when they already
 * are): the row is painted once, whole, instead of once for each image as it arrives (each
 * paint of a row rasters its tiles again). Resolves when they are in. Until then the row shows
 * its placeholders.
 */
function placeWhenDecoded(el, cells) {
  el.pending = cells;
  const images = cells.map((c) => c.firstChild).filter((img) => img && !img.complete);
  const place = () => {
    if (el.pending !== cells) return; // drawn again meanwhile
    el.pending = null;
    el.replaceChildren(...cells);
  };
  if (!images.length) {
    place();
    return Promise.resolve();
  }
  return Promise.all(images.map((img) => img.decode().catch(() => {}))).then(place); // a broken image shows as such
}

let state = null;

// The grid's elements are copies of these: no style of their own (sizes come from the grid's
// --cell), so every row and cell shares one computed style and the browser styles them cheaply.
const ROW = h("div", { class: "row" });
const THUMB = h("a", { class: "thumb" }, h("img", { alt: "", decoding: "async", fetchpriority: "high" }));
const PLACEHOLDER = h("div", { class: "thumb placeholder" });

function layout(buckets, width) {
  const cols = Math.max(2, Math.floor(width / TARGET_CELL));
  const cell = Math.floor((width - GAP * (cols - 1)) / cols);
  let top = 0;
  const sections = buckets.map((bucket) => {
    const rows = Math.ceil(bucket.count / cols);
    const s = { bucket, top, rows, height: HEADER + rows * (cell + GAP) };
    top += s.height;
    return s;
  });
  return { cols, cell, sections, height: top };
}

function bucketLabel(bucket) {
  return bucket.year === null ? "Date unknown" : `${MONTHS[bucket.month - 1]} ${bucket.year}`;
}

/** Binary search: the first section whose bottom is below y. */
function sectionAt(sections, y) {
  let lo = 0;
  let hi = sections.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sections[mid].top + sections[mid].height <= y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

class Timeline {
  constructor(root) {
    this.root = root;
    this.scroller = h("div", { class: "timeline-scroll", tabindex: "0", "aria-label": "Photos, newest first" });
    // No list roles: the month headings sit between the rows, which a list may not hold; the
    // headings and the photos' links are what a screen reader moves by.
    this.canvas = h("div", { class: "timeline-canvas" });
    this.scroller.append(this.canvas);
    this.scrubber = h("nav", { class: "scrubber", "aria-label": "Years" });
    this.jump = h("select", { id: "jump-month", "aria-label": "Jump to month", onchange: () => this.jumpTo(this.jump.value) });
    this.summary = h("p", { class: "summary", role: "status" });
    this.selected = new Set();
    this.selecting = false;
    this.bulk = bulkBar(this);
    this.filters = filterBar(() => this.reload());
    root.append(
      h("h1", { class: "visually-hidden" }, "Photos"),
      h("div", { class: "timeline-tools" }, this.filters.element, h("div", { class: "timeline-row" }, this.summary,
        h("label", { for: "jump-month", class: "visually-hidden" }, "Jump to month"), this.jump,
        h("button", { type: "button", class: "select-toggle", "aria-pressed": "false", onclick: (e) => this.toggleSelecting(e.currentTarget) }, "Select")),
      this.bulk.element),
      h("div", { class: "timeline-body" }, this.scroller, this.scrubber),
    );
    this.rows = new Map(); // "bucketIndex:row" -> element
    this.photos = new Map(); // bucket key -> BucketPhotos
    this.scroller.addEventListener("scroll", () => this.schedule(), { passive: true });
    this.canvas.addEventListener("keydown", (e) => this.arrowKeys(e));
    this.resizeObserver = new ResizeObserver(() => this.relayout());
    this.resizeObserver.observe(this.scroller);
  }

  async reload() {
    const generation = (this.generation = (this.generation ?? 0) + 1);
    this.filterState = filterStateFromUrl();
    this.filter = photoFilter(this.filterState);
    const started = performance.now();
    // The buckets and the photos of the first screens come in one request, counted from the
    // window as the HTML's early request counts them (boot.js), so that its answer serves here.
    const { buckets, newest } = await timelineStart(this.filter, firstPhotos(innerWidth, innerHeight, GRID));
    if (generation !== this.generation) return;
    this.buckets = buckets;
    this.photos = new Map(buckets.map((b) => [b.key, new BucketPhotos(b, this.filter)]));
    if (buckets.length) this.photos.get(buckets[0].key).seed(newest);
    this.total = buckets.reduce((n, b) => n + b.count, 0);
    this.summary.textContent = `${formatNumber(this.total)} photos`;
    this.jump.replaceChildren(h("option", { value: "" }, "Jump to month…"),
      ...buckets.map((b) => h("option", { value: b.key }, `${bucketLabel(b)} (${formatNumber(b.count)})`)));
    this.filters.update(this.filterState, this.filter);
    this.scroller.scrollTop = 0;
    this.relayout();
    this.root.dataset.bucketsMs = String(Math.round(performance.now() - started));
    if (!buckets.length) this.canvas.replaceChildren(h("p", { class: "empty" }, this.filter && Object.keys(this.filter).length
      ? "No photos match these filters." : "No photos yet. ", h("a", { href: "/import" }, "Import a folder"), "."));
  }

  relayout() {
    if (!this.buckets) return;
    const width = this.scroller.clientWidth - 8;
    this.layout = layout(this.buckets, width);
    this.canvasHeight = Math.min(this.layout.height, MAX_CANVAS);
    this.base = 0;
    this.canvas.style.height = `${this.canvasHeight}px`;
    this.canvas.style.setProperty("--cell", `${this.layout.cell}px`);
    for (const el of this.rows.values()) el.remove();
    this.rows.clear();
    this.drawScrubber();
    this.render();
  }

  drawScrubber() {
    const { sections, height } = this.layout;
    const years = []; // {section, count}: where each year (and the undated photos) starts
    for (const s of sections) {
      if (years.at(-1)?.section.bucket.year === s.bucket.year) years.at(-1).count += s.bucket.count;
      else years.push({ section: s, count: s.bucket.count });
    }
    // A year's label sits where its photos start. Years of few photos (the early ones of a large
    // library, or a newest year just begun) would overlap, so labels are placed by rank (the
    // undated photos, then the years with more photos) and one that would touch a label already
    // placed is left out: the month menu and dragging still reach that year.
    const mark = (s, top) => h("a", {
      href: `#${s.bucket.key}`, style: `top:${top}px`,
      onclick: (e) => { e.preventDefault(); this.jumpTo(s.bucket.key); },
    }, s.bucket.year === null ? "?" : String(s.bucket.year));
    const probe = years.length ? mark(years[0].section, 0) : null;
    this.scrubber.replaceChildren(...(probe ? [probe] : []));
    const labelHeight = probe?.offsetHeight || 16;
    const track = this.scrubber.clientHeight;
    const ranked = years.map((y) => ({ ...y, rank: y.section.bucket.year === null ? 1 : 0 }))
      .sort((a, b) => b.rank - a.rank || b.count - a.count);
    const placed = [];
    for (const { section } of ranked) {
      const top = Math.min((track * section.top) / Math.max(1, height), track - labelHeight);
      if (placed.some((p) => Math.abs(p.top - top) < labelHeight + LABEL_GAP)) continue;
      placed.push({ section, top });
    }
    placed.sort((a, b) => a.top - b.top);
    this.scrubber.replaceChildren(...placed.map((p) => mark(p.section, p.top)));
    this.scrubber.onpointerdown = (e) => {
      if (e.target.closest("a")) return;
      const move = (ev) => {
        const r = this.scrubber.getBoundingClientRect();
        this.scrollToGrid(((ev.clientY - r.top) / r.height) * this.layout.height);
      };
      move(e);
      this.scrubber.setPointerCapture(e.pointerId);
      this.scrubber.onpointermove = move;
      this.scrubber.onpointerup = () => { this.scrubber.onpointermove = null; };
    };
  }

  jumpTo(key) {
    const s = this.layout?.sections.find((x) => x.bucket.key === key);
    if (!s) return;
    this.scrollToGrid(s.top);
    this.render();
    this.jump.value = "";
  }

  /** Show the grid from `y` (grid px) at the top of the viewport. */
  scrollToGrid(y) {
    const maxBase = this.layout.height - this.canvasHeight;
    this.base = Math.max(0, Math.min(maxBase, Math.round(y - this.canvasHeight / 2)));
    this.scroller.scrollTop = y - this.base;
    this.render();
  }

  /** Near the canvas's ends: move base (and scrollTop back) so the viewport sits mid-canvas. */
  rebase() {
    const maxBase = this.layout.height - this.canvasHeight;
    if (maxBase <= 0) return;
    const st = this.scroller.scrollTop;
    const nearTop = st < this.canvasHeight * 0.2 && this.base > 0;
    const nearEnd = st > this.canvasHeight * 0.8 && this.base < maxBase;
    if (nearTop || nearEnd) this.scrollToGrid(st + this.base);
  }

  queueDraw(draw) {
    (this.draws ??= []).push(draw);
    this.requestFrame();
  }

  /** After a scroll: the rows are placed in the next frame. */
  schedule() {
    this.scrolled = true;
    this.requestFrame();
  }

  // One callback a frame: the rows for the new scroll position first (reading the scroll position
  // before anything in the page changes, so no layout is forced), then queued rows drawn within
  // the budget.
  requestFrame() {
    this.frame ||= requestAnimationFrame(() => {
      this.frame = 0;
      if (this.scrolled) {
        this.scrolled = false;
        this.render();
      }
      const until = performance.now() + DRAW_BUDGET_MS;
      while (this.draws?.length && performance.now() < until) this.draws.shift()();
      if (this.draws?.length) this.requestFrame();
    });
  }

  render() {
    if (!this.layout) return;
    this.rebase();
    const { sections, cols, cell } = this.layout;
    const view = this.scroller.clientHeight;
    const virtualTop = this.scroller.scrollTop + this.base; // where the viewport is in the grid
    const shift = -this.base; // grid position -> canvas position
    const top = Math.max(0, virtualTop - view * OVERSCAN);
    const bottom = virtualTop + view * (1 + OVERSCAN);
    const wanted = new Set();
    // Rows in view ask for their photos first; the rows around them wait for those answers, so
    // a jump's own rows are not queued behind the months above and below.
    const inView = [];
    const around = [];
    for (let i = sectionAt(sections, top); i < sections.length && sections[i].top < bottom; i++) {
      const s = sections[i];
      const headKey = `${i}:h`;
      wanted.add(headKey);
      if (!this.rows.has(headKey)) {
        const el = h("h2", { class: "month", id: s.bucket.key }, bucketLabel(s.bucket),
          h("span", { class: "count" }, ` ${formatNumber(s.bucket.count)}`));
        el.gridTop = s.top;
        this.rows.set(headKey, el);
        this.canvas.append(el);
      }
      const first = Math.max(0, Math.floor((top - s.top - HEADER) / (cell + GAP)));
      const last = Math.min(s.rows - 1, Math.floor((bottom - s.top - HEADER) / (cell + GAP)));
      for (let r = first; r <= last; r++) {
        const key = `${i}:${r}`;
        wanted.add(key);
        if (!this.rows.has(key)) {
          // An empty row shows its cells' placeholders by CSS (no elements until its photos come).
          const inRow = Math.min(cols, s.bucket.count - r * cols);
          const el = ROW.cloneNode(false);
          if (inRow < cols) el.style.cssText = `right:auto;width:${inRow * (cell + GAP) - GAP}px`;
          el.gridTop = s.top + HEADER + r * (cell + GAP);
          el.dataset.section = i;
          el.dataset.row = r;
          this.rows.set(key, el);
          this.canvas.append(el);
          const rowTop = el.gridTop;
          const visible = rowTop + cell > virtualTop && rowTop < virtualTop + view;
          (visible ? inView : around).push((wait) => this.fillRow(el, s, r, cols, cell, visible, wait));
        }
      }
    }
    const shown = inView.map((fill) => fill(null)).filter(Boolean);
    const wait = shown.length
      ? Promise.race([Promise.allSettled(shown), new Promise((resolve) => { setTimeout(resolve, AROUND_WAIT_MS); })])
      : null;
    for (const fill of around) fill(wait);
    for (const [key, el] of this.rows) {
      if (!wanted.has(key)) {
        el.remove();
        this.rows.delete(key);
      } else if (el.placedAt !== shift) {
        el.style.top = `${el.gridTop + shift}px`; // moves only when base moves
        el.placedAt = shift;
      }
    }
  }

  /**
   * Draw a row from the loaded photos, loading them first when some are missing. A row in view
   * is drawn at once and returns a promise of its thumbnails loaded; a row around the viewport
   * waits for `wait` (the rows in view), then is drawn within a frame's budget.
   */
  fillRow(el, section, r, cols, cell, visible, wait) {
    const bp = this.photos.get(section.bucket.key);
    const start = r * cols;
    const end = Math.min(section.bucket.count, start + cols);
    const drawNow = () => {
      if (!el.isConnected) return null; // scrolled away before its turn
      const cells = [];
      const search = location.search;
      for (let k = start; k < end; k++) {
        const p = bp.photos[k];
        cells.push(p ? this.thumb(p, visible, search) : PLACEHOLDER.cloneNode(false));
      }
      return placeWhenDecoded(el, cells);
    };
    const failed = (err) => toast(`Photos could not be loaded: ${err.message}`);
    if (visible) {
      if (bp.has(start, end)) return drawNow();
      return bp.ensure(start, end).then(drawNow, failed);
    }
    const fill = () => {
      if (!el.isConnected) return; // scrolled away while it waited its turn
      if (bp.has(start, end)) this.queueDraw(drawNow);
      else bp.ensure(start, end).then(() => { if (el.isConnected) this.queueDraw(drawNow); }, failed);
    };
    if (wait) wait.then(fill);
    else fill();
    return null;
  }

  /** A photo's cell: a copy of THUMB, its size set by the grid's CSS (--cell), never by itself. */
  thumb(p, visible = true, search = location.search) {
    const a = THUMB.cloneNode(true);
    const img = a.firstChild;
    a.href = `/photo/${p.hothash}${search}`;
    a.dataset.hothash = p.hothash;
    img.alt = p.title || (p.takenAt ? `Photo taken ${p.takenAt.replace("T", " ")}` : "Photo without a date");
    if (!visible) img.fetchPriority = "low";
    img.src = p.hotpreviewUrl;
    if (this.selecting) {
      // While selecting, a thumbnail is a checkbox (a link may take that role): clicked, or Space
      // or Enter on it, it toggles; aria-checked tells the state to assistive technology and CSS.
      const toggle = (e) => {
        e.preventDefault();
        if (this.selected.has(p.hothash)) this.selected.delete(p.hothash);
        else this.selected.add(p.hothash);
        a.setAttribute("aria-checked", String(this.selected.has(p.hothash)));
        this.bulk.update();
      };
      a.setAttribute("role", "checkbox");
      a.setAttribute("aria-checked", String(this.selected.has(p.hothash)));
      a.addEventListener("click", toggle);
      a.addEventListener("keydown", (e) => { if (e.key === " ") toggle(e); });
    }
    return a;
  }

  toggleSelecting(button) {
    this.selecting = !this.selecting;
    button.setAttribute("aria-pressed", String(this.selecting));
    button.textContent = this.selecting ? "Done selecting" : "Select";
    if (!this.selecting) this.selected.clear();
    this.bulk.update();
    this.redraw();
  }

  /** Arrow keys move between thumbnails, across rows and months, scrolling them into view. */
  arrowKeys(e) {
    const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    const thumb = e.target.closest("a.thumb");
    if (!thumb || !moves[e.key]) return;
    e.preventDefault();
    const row = thumb.parentElement;
    const { sections, cols } = this.layout;
    let si = Number(row.dataset.section);
    let index = Number(row.dataset.row) * cols + [...row.children].indexOf(thumb);
    const [dr, dc] = moves[e.key];
    index += dr * cols + dc;
    if (index < 0) {
      if (si === 0) return;
      si -= 1;
      const count = sections[si].bucket.count;
      index = dc ? count - 1 : Math.min(count - 1, (sections[si].rows - 1) * cols + (index + cols));
    } else if (index >= sections[si].bucket.count) {
      if (si === sections.length - 1) return;
      index = dc ? 0 : Math.min(index % cols, sections[si + 1].bucket.count - 1);
      si += 1;
    }
    this.focusCell(si, index);
  }

  /** Focus the thumbnail at `index` of section `si`, scrolled into view first. */
  focusCell(si, index) {
    const { sections, cols, cell } = this.layout;
    const r = Math.floor(index / cols);
    const y = sections[si].top + HEADER + r * (cell + GAP);
    const viewTop = this.scroller.scrollTop + this.base;
    if (y < viewTop + HEADER || y + cell > viewTop + this.scroller.clientHeight) {
      this.scrollToGrid(y - this.scroller.clientHeight / 2);
    }
    this.render();
    let tries = 0;
    const focusIt = () => {
      const target = this.rows.get(`${si}:${r}`)?.children[index % cols];
      if (target?.matches("a.thumb")) target.focus();
      else if (++tries < 100) setTimeout(focusIt, 50); // its photo is still loading
    };
    focusIt();
  }

  /** Back from the photo view: its photo's thumbnail gets the focus, so the keyboard goes on
   * from the photo last shown (←/→ may have moved far from the one opened). */
  focusPhoto(hothash) {
    if (!this.layout) return;
    for (const [si, bucket] of this.buckets.entries()) {
      const index = this.photos.get(bucket.key).photos.findIndex((p) => p?.hothash === hothash);
      if (index >= 0) return this.focusCell(si, index);
    }
  }

  /** Rows drawn again from the loaded photos (after an edit, a selection change). */
  redraw() {
    for (const el of this.rows.values()) el.remove();
    this.rows.clear();
    this.render();
  }

  /** The loaded photos in timeline order around `hothash`: {prev, next} hothashes. */
  neighbours(hothash) {
    const all = this.buckets.flatMap((b) => this.photos.get(b.key).photos.filter(Boolean));
    const i = all.findIndex((p) => p.hothash === hothash);
    return { prev: i > 0 ? all[i - 1].hothash : null, next: i >= 0 && i < all.length - 1 ? all[i + 1].hothash : null };
  }

  forget(hothashes) {
    for (const bp of this.photos.values()) bp.photos = bp.photos.filter((p) => !hothashes.has(p.hothash));
  }

  destroy() {
    this.resizeObserver.disconnect();
    cancelAnimationFrame(this.frame);
  }
}

let photoView = null;
let shownPhoto = null; // the hothash the photo view shows

export async function mount(main, params) {
  const root = h("section", { class: "timeline", "aria-label": "Timeline" });
  main.append(root);
  state = new Timeline(root);
  await state.reload();
  await update(params);
  const onKey = (e) => {
    if (e.key === "Home" && e.target === state.scroller) state.scroller.scrollTop = 0;
  };
  document.addEventListener("keydown", onKey);
  return () => {
    document.removeEventListener("keydown", onKey);
    photoView?.close();
    photoView = null;
    state.destroy();
    state = null;
  };
}

export async function update(params) {
  if (params.hothash) {
    shownPhoto = params.hothash; // before any wait: the last photo asked for is the one shown
    const { openPhoto } = await import("./photo.js");
    photoView = await openPhoto(params.hothash, state, () => navigate(`/${location.search}`));
    return;
  }
  photoView?.close();
  photoView = null;
  const query = location.search;
  if (query !== state.lastQuery) {
    const first = state.lastQuery === undefined;
    state.lastQuery = query;
    if (!first) await state.reload();
  } else if (shownPhoto) {
    state.focusPhoto(shownPhoto);
  }
  shownPhoto = null;
}
