// The raw EXIF bytes of a photo file and the JPEG a RAW carries for display, by the CLI's rule
// (importer/exif_extract.py, importer/preview.py, docs/import-client.md):
// - JPEG: the payload of the first APP1 segment starting "Exif\0\0", header included.
// - TIFF-based RAW: "Exif\0\0" + the file from offset 0 to the end of its metadata (IFD0, Exif,
//   GPS, Interop IFDs and IFD1 with the values they point to), capped at 1 MiB.
// - HEIC/HEIF: "Exif\0\0" + the TIFF structure of the file's Exif item (heif.js).
// - anything else (CR3, RAF): no EXIF, and a warning.
import { APP1, ByteSource, CorruptFile, DECODABLE_SOF, TiffFile, jpegFrame, jpegSegments } from "./containers.js";
import { heifExif } from "./heif.js";

export const EXIF_HEADER = new Uint8Array([0x45, 0x78, 0x69, 0x66, 0, 0]);
export const MAX_RAW_EXIF_BYTES = 1024 * 1024;
// XMP, IPTC, Photoshop, ICC, DNGPrivateData: not EXIF fields, left out without a warning.
const BULK_TAGS = new Set([0x02bc, 0x83bb, 0x8649, 0x8773, 0xc634]);
const TAG_EXIF_IFD = 0x8769;
const TAG_GPS_IFD = 0x8825;
const TAG_INTEROP_IFD = 0xa005;
const TAG_ORIENTATION = 0x0112;

const JPEG_EXT = new Set(["jpg", "jpeg", "jpe"]);
const HEIC_EXT = new Set(["heic", "heif", "hif"]); // as importer/scan.py: Canon and Sony write .HIF
const RAW_EXT = new Set(["cr2", "cr3", "nef", "nrw", "arw", "dng", "orf", "rw2", "raf", "pef", "srw"]);

/** "jpeg", "heic" or "raw" for a photo file name (any case), else null. */
export function fileKind(name) {
  // os.path.splitext: dots leading the name do not start an extension.
  const dot = name.lastIndexOf(".");
  if (dot < 0 || /^\.*$/.test(name.slice(0, dot))) return null;
  const ext = name.slice(dot + 1).toLowerCase();
  if (JPEG_EXT.has(ext)) return "jpeg";
  if (HEIC_EXT.has(ext)) return "heic";
  if (RAW_EXT.has(ext)) return "raw";
  return null;
}

function startsWithExifHeader(bytes) {
  return bytes.length >= 6 && EXIF_HEADER.every((b, i) => bytes[i] === b);
}

/** {data: Uint8Array|null, warningCode?, warning?} for a file of `kind` read through `src`. */
export async function extractExif(src, kind) {
  try {
    if (kind === "jpeg") return { data: await jpegExif(src) };
    if (kind === "heic") return { data: await heifExif(src) };
    let tiff;
    try {
      tiff = await TiffFile.open(src);
    } catch (err) {
      if (err instanceof CorruptFile) return { data: null, warningCode: "EXIF_UNSUPPORTED_FORMAT", warning: "not a TIFF-based RAW; EXIF is not read from it" };
      throw err;
    }
    return await tiffExif(tiff);
  } catch (err) {
    if (err instanceof CorruptFile) return { data: null, warningCode: "EXIF_UNREADABLE", warning: err.message };
    throw err;
  }
}

/** The "Exif\0\0" APP1 payload of a JPEG, or null when it has none. */
export async function jpegExif(src) {
  for (const seg of await jpegSegments(src)) {
    if (seg.marker === APP1 && seg.length >= 6) {
      const head = await src.read(seg.offset, 6);
      if (startsWithExifHeader(head)) {
        const payload = await src.read(seg.offset, seg.length);
        if (payload.length !== seg.length) throw new CorruptFile("JPEG ends inside its EXIF segment");
        return payload.slice();
      }
    }
  }
  return null;
}

async function tiffExif(tiff) {
  const { end, truncated } = await tiffMetadataEnd(tiff);
  const body = await tiff.src.read(0, end);
  const data = new Uint8Array(6 + body.length);
  data.set(EXIF_HEADER, 0);
  data.set(body, 6);
  if (truncated) return { data, warningCode: "EXIF_TRUNCATED", warning: `metadata beyond ${MAX_RAW_EXIF_BYTES} bytes was left out` };
  return { data };
}

/** Where the metadata of `tiff` ends, and whether some of it lay beyond `cap` and was left out. */
export async function tiffMetadataEnd(tiff, cap = MAX_RAW_EXIF_BYTES) {
  let end = 8;
  let truncated = false;
  const ifd0 = await tiff.readIfd(tiff.firstIfd); // unreadable IFD0: CorruptFile, as in the CLI
  const todo = [[ifd0, [TAG_EXIF_IFD, TAG_GPS_IFD]]];
  if (ifd0.nextOffset) todo.push([ifd0.nextOffset, []]); // IFD1
  const seen = new Set();
  while (todo.length) {
    const [where, children] = todo.pop();
    let ifd;
    try {
      ifd = typeof where === "number" ? await tiff.readIfd(where) : where;
    } catch (err) {
      if (err instanceof CorruptFile) continue;
      throw err;
    }
    if (seen.has(ifd.offset)) continue;
    seen.add(ifd.offset);
    if (ifd.end > cap) {
      truncated = true;
      continue;
    }
    end = Math.max(end, ifd.end);
    for (const entry of ifd.entries.values()) {
      if (entry.inline) continue;
      const valueEnd = entry.valueOffset + entry.size;
      if (valueEnd > tiff.size) continue; // a damaged pointer: the server reports it
      if (valueEnd > cap) truncated = truncated || !BULK_TAGS.has(entry.tag);
      else end = Math.max(end, valueEnd);
    }
    for (const tag of children) {
      const offset = await tiff.int(ifd, tag);
      if (offset) todo.push([offset, tag === TAG_EXIF_IFD ? [TAG_INTEROP_IFD] : []]);
    }
  }
  return { end, truncated };
}

/** The orientation (1-8) recorded in IFD0 of a raw EXIF payload ("Exif\0\0" + TIFF), else 1. */
export async function exifOrientation(exif) {
  if (!exif || !startsWithExifHeader(exif)) return 1;
  try {
    const tiff = await TiffFile.open(new ByteSource(null, exif.subarray(6)));
    const value = await tiff.int(await tiff.readIfd(tiff.firstIfd), TAG_ORIENTATION);
    return value >= 1 && value <= 8 ? value : 1;
  } catch (err) {
    if (err instanceof CorruptFile) return 1;
    throw err;
  }
}

// --- the JPEG embedded in a RAW file (importer/preview.py: find_embedded_preview) -------------

const MAX_EMBEDDED_JPEG_BYTES = 64 * 1024 * 1024;
const SCAN_WINDOW_BYTES = 16 * 1024 * 1024;
const MAX_SCAN_CANDIDATES = 64;
const TAG_COMPRESSION = 0x0103;
const TAG_STRIP_OFFSETS = 0x0111;
const TAG_STRIP_BYTE_COUNTS = 0x0117;
const TAG_SUB_IFDS = 0x014a;
const TAG_JPEG_OFFSET = 0x0201;
const TAG_JPEG_LENGTH = 0x0202;
const TAG_PANASONIC_JPG_FROM_RAW = 0x002e;

/** {offset, length, width, height, orientation} of the largest decodable JPEG inside a RAW. */
export async function findEmbeddedPreview(src) {
  let orientation = 1;
  let candidates = [];
  let tiff = null;
  try {
    tiff = await TiffFile.open(src);
  } catch (err) {
    if (!(err instanceof CorruptFile)) throw err;
  }
  if (tiff) {
    try {
      ({ orientation, candidates } = await tiffJpegs(tiff));
    } catch (err) {
      if (!(err instanceof CorruptFile)) throw err;
    }
  }
  let best = null;
  for (const [offset, length] of candidates) {
    if (length > MAX_EMBEDDED_JPEG_BYTES || offset + length > src.size) continue;
    try {
      const { sof, width, height } = await jpegFrame(src, offset, offset + length);
      if (DECODABLE_SOF.has(sof) && (!best || width * height > best.width * best.height)) best = { offset, length, width, height };
    } catch (err) {
      if (!(err instanceof CorruptFile)) throw err;
    }
  }
  if (!best) best = await scanForJpeg(src);
  return { ...best, orientation };
}

async function tiffJpegs(tiff) {
  const ifd0 = await tiff.readIfd(tiff.firstIfd);
  const orientation = (await tiff.int(ifd0, TAG_ORIENTATION)) || 1;
  const found = [];
  const todo = [[tiff.firstIfd, 0]];
  const seen = new Set();
  while (todo.length && seen.size < 64) {
    const [offset, depth] = todo.pop();
    if (seen.has(offset)) continue;
    seen.add(offset);
    let ifd;
    try {
      ifd = await tiff.readIfd(offset);
    } catch (err) {
      if (err instanceof CorruptFile) continue;
      throw err;
    }
    const start = await tiff.int(ifd, TAG_JPEG_OFFSET);
    const length = await tiff.int(ifd, TAG_JPEG_LENGTH);
    if (start && length) found.push([start, length]);
    const compression = await tiff.int(ifd, TAG_COMPRESSION);
    if (compression === 6 || compression === 7) {
      const starts = ifd.entries.has(TAG_STRIP_OFFSETS) ? await tiff.ints(ifd.entries.get(TAG_STRIP_OFFSETS)) : [];
      const lengths = ifd.entries.has(TAG_STRIP_BYTE_COUNTS) ? await tiff.ints(ifd.entries.get(TAG_STRIP_BYTE_COUNTS)) : [];
      if (starts.length === 1 && lengths.length === 1) found.push([starts[0], lengths[0]]);
    }
    const panasonic = ifd.entries.get(TAG_PANASONIC_JPG_FROM_RAW);
    if (panasonic && !panasonic.inline) found.push([panasonic.valueOffset, panasonic.size]);
    if (ifd.nextOffset) todo.push([ifd.nextOffset, depth]);
    if (depth < 3 && ifd.entries.has(TAG_SUB_IFDS)) {
      for (const sub of await tiff.ints(ifd.entries.get(TAG_SUB_IFDS), 16)) todo.push([sub, depth + 1]);
    }
  }
  return { orientation: orientation >= 1 && orientation <= 8 ? orientation : 1, candidates: found };
}

async function scanForJpeg(src) {
  const window = await src.read(0, SCAN_WINDOW_BYTES);
  const view = new ByteSource(null, window);
  let best = null;
  let tries = 0;
  for (let pos = indexOfSoi(window, 0); pos >= 0 && tries < MAX_SCAN_CANDIDATES; pos = indexOfSoi(window, pos + 3)) {
    tries++;
    try {
      const { sof, width, height } = await jpegFrame(view, pos);
      if (DECODABLE_SOF.has(sof) && (!best || width * height > best.width * best.height)) best = { offset: pos, length: window.length - pos, width, height };
    } catch (err) {
      if (!(err instanceof CorruptFile)) throw err;
    }
  }
  if (!best) throw new CorruptFile("no embedded JPEG preview found");
  return best;
}

function indexOfSoi(bytes, from) {
  for (let i = from; i + 2 < bytes.length; i++) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xd8 && bytes[i + 2] === 0xff) return i;
  }
  return -1;
}
