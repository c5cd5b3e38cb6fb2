// The raw EXIF of a HEIC/HEIF file (ISO base media file format): the data of the item of type
// "Exif" found through meta/iinf and located through meta/iloc. The item starts with a 4-byte
// offset to the TIFF header (after, usually, "Exif\0\0"); what is sent is "Exif\0\0" + the TIFF
// structure, as for a JPEG. Every box size, count and extent is checked against the file.
import { CorruptFile } from "./containers.js";

const MAX_BOXES = 64;
const MAX_ITEMS = 4096;
const MAX_EXIF_BYTES = 1024 * 1024;
const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0, 0];

async function u32(src, at) {
  const b = await src.readExact(at, 4);
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

function fourcc(b, at) {
  return String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);
}

/** The boxes {type, start (of payload), end} between `from` and `to`. */
async function boxes(src, from, to) {
  const out = [];
  let pos = from;
  while (pos + 8 <= to && out.length < MAX_BOXES) {
    const head = await src.readExact(pos, 8);
    let size = ((head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3]) >>> 0;
    const type = fourcc(head, 4);
    let start = pos + 8;
    if (size === 1) {
      const big = await src.readExact(pos + 8, 8);
      if (big[0] | big[1] | big[2]) throw new CorruptFile("HEIF box too large");
      size = (((big[3] * 256 + big[4]) * 256 + big[5]) * 256 + big[6]) * 256 + big[7];
      start += 8;
    } else if (size === 0) size = to - pos;
    if (size < start - pos || pos + size > to) throw new CorruptFile(`HEIF box ${type} at ${pos} has a bad size`);
    out.push({ type, start, end: pos + size });
    pos += size;
  }
  return out;
}

/** A reader of big-endian fields from a byte array. */
function fields(bytes) {
  let at = 0;
  const take = (n) => {
    if (at + n > bytes.length) throw new CorruptFile("HEIF box ends early");
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + bytes[at + i];
    at += n;
    return v;
  };
  return { take, skip: (n) => take(n) && 0, get at() { return at; }, set at(v) { at = v; } };
}

async function exifItemId(src, iinf) {
  const data = await src.readExact(iinf.start, Math.min(iinf.end - iinf.start, 256 * 1024));
  const f = fields(data);
  const version = f.take(1);
  f.take(3);
  const count = Math.min(f.take(version === 0 ? 2 : 4), MAX_ITEMS);
  for (let i = 0; i < count; i++) {
    const boxStart = f.at;
    const size = f.take(4);
    const type = fourcc(data, f.at);
    f.take(4);
    if (size < 8 || boxStart + size > data.length) throw new CorruptFile("HEIF item info box has a bad size");
    if (type === "infe") {
      const v = f.take(1);
      f.take(3);
      if (v >= 2) {
        const id = f.take(v === 2 ? 2 : 4);
        f.take(2); // protection index
        if (fourcc(data, f.at) === "Exif") return id;
      }
    }
    f.at = boxStart + size;
  }
  return null;
}

async function itemExtents(src, iloc, wanted) {
  const data = await src.readExact(iloc.start, Math.min(iloc.end - iloc.start, 256 * 1024));
  const f = fields(data);
  const version = f.take(1);
  f.take(3);
  const sizes = f.take(2);
  const offsetSize = sizes >> 12;
  const lengthSize = (sizes >> 8) & 15;
  const baseSize = (sizes >> 4) & 15;
  const indexSize = version >= 1 ? sizes & 15 : 0;
  const count = Math.min(f.take(version < 2 ? 2 : 4), MAX_ITEMS);
  for (let i = 0; i < count; i++) {
    const id = f.take(version < 2 ? 2 : 4);
    const method = version >= 1 ? f.take(2) & 15 : 0;
    f.take(2); // data reference index
    const base = f.take(baseSize);
    const n = f.take(2);
    const extents = [];
    for (let e = 0; e < n; e++) {
      f.take(indexSize);
      extents.push([base + f.take(offsetSize), f.take(lengthSize)]);
    }
    if (id === wanted) {
      if (method !== 0) throw new CorruptFile("HEIF EXIF stored in the meta box (idat) is not read");
      return extents;
    }
  }
  return null;
}

/** "Exif\0\0" + TIFF of a HEIF file, or null when it has no EXIF item. */
export async function heifExif(src) {
  const top = await boxes(src, 0, src.size);
  if (top[0]?.type !== "ftyp") throw new CorruptFile("not a HEIF file (no ftyp box)");
  const meta = top.find((b) => b.type === "meta");
  if (!meta) return null;
  const children = await boxes(src, meta.start + 4, meta.end); // meta is a full box
  const iinf = children.find((b) => b.type === "iinf");
  const iloc = children.find((b) => b.type === "iloc");
  if (!iinf || !iloc) return null;
  const id = await exifItemId(src, iinf);
  if (id === null) return null;
  const extents = await itemExtents(src, iloc, id);
  if (!extents?.length) return null;
  const total = extents.reduce((n, [, len]) => n + len, 0);
  if (total > MAX_EXIF_BYTES + 4 || extents.some(([off, len]) => off + len > src.size)) throw new CorruptFile("HEIF EXIF item lies outside the file");
  const item = new Uint8Array(total);
  let at = 0;
  for (const [off, len] of extents) {
    item.set(await src.readExact(off, len), at);
    at += len;
  }
  if (item.length < 4) throw new CorruptFile("HEIF EXIF item too short");
  const tiffAt = 4 + (((item[0] << 24) | (item[1] << 16) | (item[2] << 8) | item[3]) >>> 0);
  if (tiffAt + 8 > item.length) throw new CorruptFile("HEIF EXIF item has a bad TIFF offset");
  const tiff = item.subarray(tiffAt);
  const out = new Uint8Array(6 + tiff.length);
  out.set(EXIF_HEADER, 0);
  out.set(tiff, 6);
  return out;
}
