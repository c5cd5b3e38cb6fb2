// The photo view over the timeline: the picture large, every piece of metadata, the group's files
// with every raw EXIF field, the position on a small map, and the edit form. ←/→ move through
// the timeline, Esc closes.
import { gql, schemaCapabilities } from "../api.js";
import { navigate, toast } from "../main.js";
import { h, formatNumber, formatTakenAt } from "../ui.js";

const BASE_FIELDS = `hothash width height takenAt takenAtOffset takenAtSource gpsLatitude gpsLongitude gpsAltitude
  cameraMake cameraModel lensModel focalLength aperture iso exposureTime orientation title description tags rating
  userRotation createdAt updatedAt hotpreviewUrl importSession { id storageDirectory startedAt }`;

async function photoQuery() {
  const caps = await schemaCapabilities();
  const optional = ["coldpreviewUrl", "favorite", "isFavorite"].filter((f) => caps.photoFields.has(f)).join(" ");
  return `query Photo($hothash: String!) { photo(hothash: $hothash) { ${BASE_FIELDS} ${optional}
    images { filename fileSize exif ${caps.imageInput.has("contentHash") ? "contentHash" : ""} } } }`;
}

function favouriteField(caps) {
  return ["favorite", "isFavorite"].find((f) => caps.photoUpdate.has(f)) ?? null;
}

function row(label, value) {
  return value === null || value === undefined || value === "" ? null : [h("dt", {}, label), h("dd", {}, value)];
}

function exposure(p) {
  const parts = [p.exposureTime && `${p.exposureTime} s`, p.aperture && `f/${p.aperture}`, p.iso && `ISO ${p.iso}`, p.focalLength && `${p.focalLength} mm`];
  return parts.filter(Boolean).join(" · ") || null;
}

// Most cameras repeat the maker in the model ("Canon" + "Canon EOS 40D", "NIKON CORPORATION" +
// "NIKON D850"): the model alone then, as Immich and PhotoPrism show it; otherwise both.
function cameraName(make, model) {
  if (!model) return make || null;
  const maker = make?.trim().split(/\s+/)[0]?.toLowerCase();
  return maker && !model.toLowerCase().startsWith(maker) ? `${make.trim()} ${model}` : model;
}

// EXIF orientation as exiftool names it, with the number the file holds.
const ORIENTATIONS = ["Horizontal (normal)", "Mirror horizontal", "Rotate 180", "Mirror vertical",
  "Mirror horizontal and rotate 270 CW", "Rotate 90 CW", "Mirror horizontal and rotate 90 CW", "Rotate 270 CW"];

function orientationName(value) {
  return ORIENTATIONS[value - 1] ? `${ORIENTATIONS[value - 1]} (${value})` : value;
}

function exifValue(v) {
  if (Array.isArray(v) && v.length === 2 && v.every(Number.isInteger)) return `${v[0]}/${v[1]}`;
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

function exifTable(exif) {
  if (!exif) return h("p", {}, "No EXIF.");
  return h("div", {}, ...Object.entries(exif).map(([dir, tags]) => h("details", { open: true },
    h("summary", {}, `${dir} (${Object.keys(tags).length})`),
    h("table", { class: "exif" }, h("tbody", {}, ...Object.entries(tags).map(([k, v]) => h("tr", {}, h("th", { scope: "row" }, k), h("td", {}, exifValue(v)))))))));
}

function editForm(p, caps, onSaved) {
  const fav = favouriteField(caps);
  const stars = h("fieldset", { class: "stars" }, h("legend", {}, "Rating"),
    ...[0, 1, 2, 3, 4, 5].map((n) => h("label", {}, h("input", { type: "radio", name: "rating", value: String(n), checked: (p.rating ?? 0) === n }), n ? "★".repeat(n) : "None")));
  const form = h("form", { class: "edit", "aria-label": "Edit photo" },
    h("label", { for: "e-title" }, "Title"), h("input", { id: "e-title", name: "title", value: p.title ?? "" }),
    h("label", { for: "e-description" }, "Description"), h("textarea", { id: "e-description", name: "description", rows: 3 }, p.description ?? ""),
    h("label", { for: "e-tags" }, "Tags (comma-separated)"), h("input", { id: "e-tags", name: "tags", value: p.tags.join(", ") }),
    stars,
    fav ? h("label", { class: "check" }, h("input", { type: "checkbox", name: "favorite", checked: Boolean(p[fav]) }), "Favourite") : null,
    h("button", { type: "submit" }, "Save"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = new FormData(form);
    const input = {
      title: d.get("title").trim() || null,
      description: d.get("description").trim() || null,
      tags: d.get("tags").split(",").map((t) => t.trim()).filter(Boolean),
      rating: Number(d.get("rating") ?? 0),
    };
    if (fav) input[fav] = d.get("favorite") === "on";
    try {
      const data = await gql(`mutation Save($hothash: String!, $input: PhotoUpdateInput!) { updatePhoto(hothash: $hothash, input: $input) { hothash title rating tags } }`, { hothash: p.hothash, input });
      if (!data.updatePhoto) throw new Error("the photo is gone");
      toast("Saved.");
      onSaved(data.updatePhoto);
    } catch (err) {
      toast(`Not saved: ${err.message}`);
    }
  });
  return form;
}

export async function openPhoto(hothash, timeline, close) {
  const caps = await schemaCapabilities();
  const data = await gql(await photoQuery(), { hothash });
  // Moved on (←/→ pressed again) while this photo loaded: the newer view owns the dialog.
  if (!location.pathname.endsWith(`/photo/${hothash}`)) return { close() {} };
  const p = data.photo;
  document.querySelector("dialog.photo-view")?.remove();
  const dialog = h("dialog", { class: "photo-view", "aria-label": p?.title || "Photo" });
  if (!p) {
    dialog.append(h("p", {}, "This photo is not in the library."), h("button", { type: "button", onclick: close }, "Close"));
  } else {
    const { prev, next } = timeline?.neighbours(hothash) ?? {};
    const go = (target) => target && navigate(`/photo/${target}${location.search}`, { replace: true });
    const large = p.coldpreviewUrl ?? p.hotpreviewUrl;
    const picture = h("figure", { class: "picture" },
      h("img", { src: large, alt: p.title || `Photo taken ${formatTakenAt(p.takenAt)}`, class: p.coldpreviewUrl ? "" : "stretched" }),
      h("figcaption", {}, p.title ?? ""));
    const when = p.takenAt ? `${formatTakenAt(p.takenAt)}${p.takenAtOffset ? ` (UTC${p.takenAtOffset})` : ""}` : null;
    const meta = h("dl", { class: "meta" }, ...[
      row("Taken", when ?? "Date unknown"),
      row("Date from", p.takenAtSource),
      row("Camera", cameraName(p.cameraMake, p.cameraModel)),
      row("Lens", p.lensModel),
      row("Exposure", exposure(p)),
      row("Size", p.width && p.height ? `${p.width} × ${p.height}` : null),
      row("Position", p.gpsLatitude !== null && p.gpsLatitude !== undefined ? `${p.gpsLatitude.toFixed(5)}, ${p.gpsLongitude.toFixed(5)}${p.gpsAltitude !== null ? ` · ${Math.round(p.gpsAltitude)} m` : ""}` : null),
      row("Orientation", orientationName(p.orientation)),
      row("Imported", p.importSession ? `${p.importSession.storageDirectory ?? "session"} #${p.importSession.id}` : null),
      row("Hothash", h("code", {}, p.hothash)),
    ].filter(Boolean).flat());
    const mapBox = h("div", { class: "mini-map", role: "img", "aria-label": "Where the photo was taken" });
    const files = h("section", { class: "files", "aria-label": "Files" }, h("h2", {}, `Files (${p.images.length})`),
      ...p.images.map((im) => h("details", {}, h("summary", {}, `${im.filename}${im.fileSize ? ` · ${formatNumber(im.fileSize)} bytes` : ""}`),
        im.contentHash ? h("p", {}, "SHA-256 ", h("code", {}, im.contentHash)) : null, exifTable(im.exif))));
    const header = h("div", { class: "photo-nav" },
      h("button", { type: "button", disabled: !prev, onclick: () => go(prev), "aria-label": "Previous photo" }, "←"),
      h("button", { type: "button", disabled: !next, onclick: () => go(next), "aria-label": "Next photo" }, "→"),
      h("button", { type: "button", class: "close", onclick: close, "aria-label": "Close" }, "✕"));
    const side = h("div", { class: "side" }, meta, p.gpsLatitude !== null && p.gpsLatitude !== undefined ? mapBox : null,
      editForm(p, caps, () => timeline?.reload()), files);
    dialog.append(header, h("div", { class: "photo-body" }, picture, side));
    dialog.addEventListener("keydown", (e) => {
      if (e.target.closest("input, textarea, select")) return;
      if (e.key === "ArrowLeft") go(prev);
      else if (e.key === "ArrowRight") go(next);
    });
    if (p.gpsLatitude !== null && p.gpsLatitude !== undefined) {
      import("./geo.js").then(({ miniMap }) => miniMap(mapBox, p.gpsLatitude, p.gpsLongitude));
    }
  }
  dialog.addEventListener("cancel", (e) => {
    e.preventDefault();
    close();
  });
  document.body.append(dialog);
  dialog.showModal();
  return { close: () => dialog.remove() };
}
