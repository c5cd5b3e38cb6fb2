// Hotpreviews for the grid, fetched many at a time: the thumbnails asked for while one task draws
// rows (a screen of them after a jump) go out as one GET /hotpreviews request instead of one
// request each, queued six at a time behind HTTP/1.1's connections per host. Each preview
// becomes a blob: URL for its <img>, kept for the previews drawn most recently.

const BATCH = 100; // the server's default limit (Settings.max_hotpreviews_per_request)
const KEEP = 3000; // blob URLs kept (~7 kB each); the oldest are released

const urls = new Map(); // hothash -> blob: URL, least recently used first
let waiting = new Map(); // hothash -> {photo, imgs}

/** Show `photo`'s hotpreview in `img` (now when it is at hand, else with the next batch). */
export function showPreview(img, photo) {
  const url = urls.get(photo.hothash);
  if (url) {
    urls.delete(photo.hothash); // most recently used last
    urls.set(photo.hothash, url);
    img.src = url;
    return;
  }
  if (!waiting.size) queueMicrotask(flush);
  const entry = waiting.get(photo.hothash) ?? { photo, imgs: [] };
  entry.imgs.push(img);
  waiting.set(photo.hothash, entry);
}

function flush() {
  const entries = [...waiting.values()].filter((e) => e.imgs.some((img) => img.isConnected)); // still drawn
  waiting = new Map();
  for (let i = 0; i < entries.length; i += BATCH) load(entries.slice(i, i + BATCH));
}

async function load(entries) {
  try {
    const response = await fetch(`/hotpreviews?h=${entries.map((e) => e.photo.hothash).join(",")}`, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const data = new DataView(await response.arrayBuffer());
    let at = 0;
    for (const { photo, imgs } of entries) {
      const length = data.getUint32(at);
      at += 4;
      // A preview the batch has not (deleted meanwhile) is asked for on its own, as the photo says.
      const url = length ? URL.createObjectURL(new Blob([new Uint8Array(data.buffer, at, length)], { type: "image/jpeg" })) : photo.hotpreviewUrl;
      at += length;
      if (length) keep(photo.hothash, url);
      for (const img of imgs) img.src = url;
    }
  } catch {
    // The batch failed (an older server, a network hiccup): each image asks on its own.
    for (const { photo, imgs } of entries) for (const img of imgs) img.src = photo.hotpreviewUrl;
  }
}

function keep(hothash, url) {
  urls.set(hothash, url);
  if (urls.size <= KEEP) return;
  const [oldest, old] = urls.entries().next().value;
  urls.delete(oldest);
  URL.revokeObjectURL(old); // an <img> that shows it keeps its picture
}
