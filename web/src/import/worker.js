// One import worker: hashes files, reads their raw EXIF, and makes a group's 150 px hotpreview
// with createImageBitmap and an OffscreenCanvas, off the page's main thread. A task holds at
// most one file's bytes at a time; nothing survives a task.
import { ByteSource, CorruptFile, jpegFrame } from "./containers.js";
import { exifOrientation, extractExif, fileKind, findEmbeddedPreview } from "./exif.js";
import { hashFile, sha256Hex } from "./hashing.js";

export const HOTPREVIEW_SIZE = 150;
export const HOTPREVIEW_QUALITY = 0.85;
export const COLDPREVIEW_SIZE = 1200;
// The coldpreview comes from the smallest JPEG scale (1/8, 1/4, 1/2) at least this long.
export const COLDPREVIEW_MIN = 1000;
export const COLDPREVIEW_QUALITY = 0.8;
// The source JPEG is read once: its EXIF and its pixels come from the same bytes.
const READ_ONCE_LIMIT = 64 * 1024 * 1024;

function base64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

// Where a task's time goes (read, exif, decode, coldpreview, hotpreview), sent back with its
// result: the import adds them up, so a slow import says which step is slow.
let clock = {};
async function timed(step, work) {
  const started = performance.now();
  try {
    return await work();
  } finally {
    clock[step] = (clock[step] ?? 0) + performance.now() - started;
  }
}

function reason(err) {
  return err?.message || String(err);
}

/** The size Pillow's thumbnail((150, 150)) gives: aspect kept, never enlarged. */
export function thumbnailSize(width, height, box = HOTPREVIEW_SIZE) {
  if (width <= box && height <= box) return [width, height];
  const aspect = width / height;
  if (width >= height) return [box, Math.max(1, Math.round(box / aspect))];
  return [Math.max(1, Math.round(box * aspect)), box];
}

// EXIF orientation as a canvas transform of a w x h image into its displayed frame.
function orient(ctx, orientation, w, h) {
  switch (orientation) {
    case 2: ctx.transform(-1, 0, 0, 1, w, 0); break;
    case 3: ctx.transform(-1, 0, 0, -1, w, h); break;
    case 4: ctx.transform(1, 0, 0, -1, 0, h); break;
    case 5: ctx.transform(0, 1, 1, 0, 0, 0); break;
    case 6: ctx.transform(0, 1, -1, 0, h, 0); break;
    case 7: ctx.transform(0, -1, -1, 0, h, w); break;
    case 8: ctx.transform(0, -1, 1, 0, 0, w); break;
    default: break;
  }
}

const scaledDecode = typeof ImageDecoder !== "undefined" ? ImageDecoder.isTypeSupported("image/jpeg").catch(() => false) : Promise.resolve(false);

/**
 * A JPEG decoded to about `width` x `height` (its coded size, before orientation) with its own
 * EXIF orientation applied: {image (drawable), close()}. WebCodecs' ImageDecoder decodes at 1/2,
 * 1/4 or 1/8 scale like libjpeg's draft mode (4x faster on 12 MP than a full decode);
 * createImageBitmap is the fallback where it is missing (it decodes in full, then scales).
 */
async function decodeJpeg(blob, width, height) {
  if (await scaledDecode) {
    const decoder = new ImageDecoder({ data: blob.stream(), type: "image/jpeg", desiredWidth: width, desiredHeight: height });
    try {
      const { image } = await decoder.decode();
      return { image, close: () => image.close() };
    } finally {
      decoder.close();
    }
  }
  const image = await createImageBitmap(blob, { imageOrientation: "from-image" });
  return { image, close: () => image.close() };
}

/** `source` drawn at tw x th (after `extraOrientation`): {canvas, jpeg}. */
async function encode(source, extraOrientation, [tw, th], quality) {
  const turned = extraOrientation >= 5;
  const [dw, dh] = turned ? [th, tw] : [tw, th];
  const canvas = new OffscreenCanvas(tw, th);
  const ctx = canvas.getContext("2d", { alpha: false });
  ctx.imageSmoothingQuality = "high";
  orient(ctx, extraOrientation, dw, dh);
  ctx.drawImage(source, 0, 0, dw, dh);
  return { canvas, jpeg: new Uint8Array(await (await canvas.convertToBlob({ type: "image/jpeg", quality })).arrayBuffer()) };
}

/** The size to decode a JPEG at for its coldpreview: 1/8, 1/4 or 1/2 scale when at least COLDPREVIEW_MIN long. */
function coldDecodeSize(width, height) {
  for (const scale of [8, 4, 2]) {
    if (Math.max(width, height) / scale >= COLDPREVIEW_MIN) return [Math.ceil(width / scale), Math.ceil(height / scale)];
  }
  return [width, height];
}

/**
 * The hotpreview (and, when `cold`, the ~1200 px coldpreview) of a JPEG blob of coded size
 * `width` x `height`: decoded small (the browser applies the JPEG's own EXIF orientation), then
 * `extraOrientation` (a RAW's, for its embedded JPEG) on the canvas; JPEG with no metadata.
 */
async function renderPreviews(blob, width, height, { ownOrientation = 1, extraOrientation = 1, cold = false } = {}) {
  const ownTurned = ownOrientation >= 5;
  const [ow, oh] = ownTurned ? [height, width] : [width, height]; // after the JPEG's own orientation
  const turned = extraOrientation >= 5;
  const [fw, fh] = turned ? [oh, ow] : [ow, oh]; // as finally displayed
  // The decoder's hint is in coded orientation: the smallest scale that still covers the target.
  const decoded = await timed("decode", () => decodeJpeg(blob, ...(cold ? coldDecodeSize(width, height) : thumbnailSize(width, height))));
  try {
    if (!cold) {
      const { jpeg } = await timed("hotpreview", () => encode(decoded.image, extraOrientation, thumbnailSize(fw, fh), HOTPREVIEW_QUALITY));
      return { jpeg, coldJpeg: null, width: fw, height: fh };
    }
    // The coldpreview is the picture as decoded (1000 px from 12 MP at 1/4 scale), shrunk to
    // COLDPREVIEW_SIZE when larger, never enlarged: drawn 1:1 it costs half the encode of a
    // resampled one. The hotpreview is scaled from its canvas (already oriented).
    const decodedLong = Math.max(decoded.image.displayWidth ?? decoded.image.width, decoded.image.displayHeight ?? decoded.image.height);
    const coldSize = thumbnailSize(fw, fh, Math.min(COLDPREVIEW_SIZE, decodedLong));
    const coldpreview = await timed("coldpreview", () => encode(decoded.image, extraOrientation, coldSize, COLDPREVIEW_QUALITY));
    const { jpeg } = await timed("hotpreview", () => encode(coldpreview.canvas, 1, thumbnailSize(fw, fh), HOTPREVIEW_QUALITY));
    return { jpeg, coldJpeg: coldpreview.jpeg, width: fw, height: fh };
  } finally {
    decoded.close();
  }
}

/** Content hashes of the files, in order; an unreadable file gives {error}. */
async function hashFiles(files) {
  const out = [];
  for (const file of files) {
    try {
      out.push({ hash: (await hashFile(file)).hash });
    } catch (err) {
      out.push({ error: reason(err) });
    }
  }
  return out;
}

/**
 * What is sent for a group: each file to send with its raw EXIF, and (when `preview`) the
 * hotpreview made from `source` (an index into files, which is sent or not).
 * files: [{file, name, size, contentHash, send}]
 */
async function processGroup({ files, source, preview, cold = false }) {
  const result = { images: [], errors: [], warnings: [], hotpreview: null, coldpreview: null, hothash: null, width: null, height: null };
  let sourceBytes = null;
  for (const [index, f] of files.entries()) {
    if (!f.send && !(preview && index === source)) continue;
    const kind = fileKind(f.name);
    let exif;
    try {
      let src;
      if (preview && index === source && kind === "jpeg" && f.size <= READ_ONCE_LIMIT) {
        sourceBytes = await timed("read", async () => new Uint8Array(await f.file.arrayBuffer()));
        src = new ByteSource(f.file, sourceBytes);
      } else {
        src = new ByteSource(f.file);
      }
      exif = await timed("exif", () => extractExif(src, kind));
    } catch (err) {
      result.errors.push({ code: "FILE_UNREADABLE", message: reason(err), filename: f.name });
      continue;
    }
    if (exif.warningCode) result.warnings.push({ code: exif.warningCode, message: exif.warning, filename: f.name });
    f.exif = exif.data;
    if (f.send) {
      result.images.push({
        filename: f.name,
        fileSize: f.size,
        contentHash: f.contentHash,
        exifData: exif.data ? base64(exif.data) : null,
        exifSha256: exif.data ? await sha256Hex(exif.data) : null, // for the record, not sent
      });
    }
  }
  if (!preview) return result;
  const sf = files[source];
  if (result.errors.some((e) => e.filename === sf.name)) return result;
  try {
    let made;
    if (fileKind(sf.name) === "jpeg") {
      const src = new ByteSource(sf.file, sourceBytes);
      const { width, height } = await jpegFrame(src);
      made = await renderPreviews(sourceBytes ? new Blob([sourceBytes]) : sf.file, width, height, { ownOrientation: await exifOrientation(sf.exif), cold });
    } else {
      const embedded = await findEmbeddedPreview(new ByteSource(sf.file));
      const blob = sf.file.slice(embedded.offset, embedded.offset + embedded.length, "image/jpeg");
      made = await renderPreviews(blob, embedded.width, embedded.height, { extraOrientation: embedded.orientation, cold });
    }
    result.hotpreview = base64(made.jpeg);
    if (made.coldJpeg) result.coldpreview = base64(made.coldJpeg);
    result.hothash = await sha256Hex(made.jpeg);
    result.width = made.width;
    result.height = made.height;
  } catch (err) {
    const message = err instanceof CorruptFile ? err.message : `cannot make a hotpreview: ${reason(err)}`;
    result.errors.push({ code: "PREVIEW_FAILED", message, filename: sf.name });
  }
  if (!result.hotpreview) result.warnings = []; // nothing of the group is sent: its warnings are moot
  return result;
}

const OPS = { hash: ({ files }) => hashFiles(files), process: processGroup };

self.onmessage = async (event) => {
  const { id, op, args } = event.data;
  clock = {};
  try {
    const result = await OPS[op](args);
    self.postMessage({ id, result, spent: clock });
  } catch (err) {
    self.postMessage({ id, error: reason(err), spent: clock });
  }
};
