// The filter bar: text search, camera, lens, tags, dates, rating, favourites, position. Its
// state is the URL's query string (bookmarkable, shareable); facet counts come from the server.
import { navigate } from "../main.js";
import { facets, filterStateToQuery } from "../library.js";
import { h, formatNumber } from "../ui.js";

function field(id, label, control) {
  return h("div", { class: "field" }, h("label", { for: id }, label), control);
}

function datalist(id, values) {
  return h("datalist", { id }, ...values.map((v) => h("option", { value: v.value, label: `${v.value} (${formatNumber(v.count)})` })));
}

let currentBbox = null;

export function filterBar() {
  const form = h("form", { class: "filters", role: "search", "aria-label": "Filter photos" });
  const q = h("input", { id: "f-q", name: "q", type: "search", placeholder: "Search title, description, tag, file" });
  const camera = h("input", { id: "f-camera", name: "camera", list: "f-camera-list", autocomplete: "off" });
  const lens = h("input", { id: "f-lens", name: "lens", list: "f-lens-list", autocomplete: "off" });
  const tag = h("input", { id: "f-tag", name: "tag", list: "f-tag-list", autocomplete: "off", placeholder: "comma-separated" });
  const from = h("input", { id: "f-from", name: "from", type: "date" });
  const to = h("input", { id: "f-to", name: "to", type: "date" });
  const rating = h("select", { id: "f-rating", name: "rating" },
    h("option", { value: "" }, "Any"), ...[1, 2, 3, 4, 5].map((n) => h("option", { value: String(n) }, `${"★".repeat(n)} or more`)));
  const fav = h("input", { id: "f-fav", name: "fav", type: "checkbox", value: "1" });
  const gps = h("select", { id: "f-gps", name: "gps" }, h("option", { value: "" }, "Any"), h("option", { value: "1" }, "With position"), h("option", { value: "0" }, "Without"));
  const lists = h("div", { hidden: true });
  const ranges = [["iso", "ISO", "100-800"], ["fnum", "Aperture (f/)", "1.4-2.8"], ["focal", "Focal length (mm)", "24-70"]].map(([name, label, example]) =>
    [name, h("input", { id: `f-${name}`, name, placeholder: example, size: 9, pattern: "[0-9.]*-?[0-9.]*", inputmode: "decimal" }), label]);
  const rangeFields = h("div", { class: "ranges" }, ...ranges.map(([name, input, label]) => field(`f-${name}`, label, input)));
  const favField = h("div", { class: "field check" }, fav, h("label", { for: "f-fav" }, "Favourites"));
  const clear = h("button", { type: "button", class: "link", onclick: () => navigate("/") }, "Clear filters");
  // One line above the grid: the search, a "Filters" disclosure (a native <details>: a button to
  // keyboards and screen readers, Enter or Space opens it) whose fields open over the grid
  // without moving it, Apply and Clear. Escape closes the panel.
  const active = h("span", { class: "active-count" });
  const more = h("details", { class: "more-filters" },
    h("summary", {}, "Filters", active),
    h("div", { class: "filter-panel", role: "group", "aria-label": "More filters" },
      field("f-camera", "Camera", camera), field("f-lens", "Lens", lens), field("f-tag", "Tags", tag),
      field("f-from", "From", from), field("f-to", "To", to), field("f-rating", "Rating", rating), favField,
      field("f-gps", "Position", gps), rangeFields));
  more.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && more.open) {
      more.open = false;
      more.querySelector("summary").focus();
    }
  });
  document.addEventListener("pointerdown", (e) => {
    if (more.open && !form.contains(e.target)) more.open = false; // a click beyond the filters closes them
  });
  form.append(h("label", { for: "f-q", class: "visually-hidden" }, "Search"), q, more,
    h("button", { type: "submit" }, "Apply"), clear, lists);

  const apply = () => {
    const state = {
      q: q.value.trim(), camera: camera.value.trim(), lens: lens.value.trim(),
      tag: tag.value.split(",").map((t) => t.trim()).filter(Boolean),
      from: from.value, to: to.value, rating: rating.value, fav: fav.checked ? "1" : "", gps: gps.value,
      ...Object.fromEntries(ranges.map(([name, input]) => [name, input.value.trim()])),
    };
    if (state.bbox === undefined && currentBbox) state.bbox = currentBbox; // a map box stays until cleared
    navigate(`/${filterStateToQuery(state)}`);
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    apply();
  });
  for (const el of [rating, fav, gps, from, to]) el.addEventListener("change", apply);

  let pendingFilter = null;
  const showFacets = async () => {
    const filter = pendingFilter;
    pendingFilter = null;
    if (!filter) return;
    const f = await facets(filter);
    if (f) {
      lists.replaceChildren(datalist("f-camera-list", f.cameraModels ?? []), datalist("f-lens-list", f.lensModels ?? []), datalist("f-tag-list", f.tags ?? []));
      // "n stars or more": the photos rated n..5 (the facet ignores the rating already chosen).
      for (const option of rating.options) {
        const n = Number(option.value);
        if (!n) continue;
        const count = (f.ratings ?? []).filter((r) => r.rating >= n).reduce((sum, r) => sum + r.count, 0);
        option.textContent = `${"★".repeat(n)} or more (${formatNumber(count)})`;
      }
      form.dataset.facets = "1";
    }
  };
  for (const event of ["pointerenter", "focusin"]) form.addEventListener(event, showFacets);

  return {
    element: form,
    async update(state, filter) {
      currentBbox = state.bbox ?? null;
      for (const [name, input] of ranges) input.value = state[name] ?? "";
      q.value = state.q ?? "";
      camera.value = state.camera ?? "";
      lens.value = state.lens ?? "";
      tag.value = (state.tag ?? []).join(", ");
      from.value = state.from ?? "";
      to.value = state.to ?? "";
      rating.value = state.rating ?? "";
      fav.checked = Boolean(state.fav);
      gps.value = state.gps ?? "";
      // How many of the panel's filters are set, on its button (the search shows itself).
      const set = ["camera", "lens", "tag", "from", "to", "rating", "fav", "gps", "iso", "fnum", "focal", "bbox"]
        .filter((key) => [].concat(state[key] ?? []).length).length;
      active.textContent = set ? ` (${set})` : "";
      // The counts cost the server more than the first screen of photos: asked for when the
      // filters are first reached for (pointer or focus), not on every load.
      pendingFilter = filter;
      if (form.matches(":focus-within, :hover")) showFacets(); // still in use: counts for the new filter now
    },
  };
}
