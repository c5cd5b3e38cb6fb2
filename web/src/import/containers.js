// Bounded walkers over JPEG segments and TIFF IFDs: the browser's copy of importer/containers.py.
// Every offset and count is checked against the file; a damaged or hostile file ends in
// CorruptFile after a few kilobytes of reads. Reads go through a ByteSource (async), so a RAW
// is never read whole just to find its metadata.

export class CorruptFile extends Error {}

/** Random access to a Blob/File, or to bytes already in memory. */
export class ByteSource {
  constructor(blob, bytes = null) {
    this.blob = blob;
    this.bytes = bytes; // Uint8Array of the whole file, when it was read anyway
    this.size = bytes ? bytes.length : blob.size;
    this.head = null; // the first HEAD_BYTES, read once on first use
  }

  static HEAD_BYTES = 256 * 1024;

  /** Up to `length` bytes at `offset` (fewer at the end of the file). */
  async read(offset, length) {
    const end = Math.min(this.size, offset + length);
    if (offset >= end) return new Uint8Array(0);
    if (this.bytes) return this.bytes.subarray(offset, end);
    if (end <= ByteSource.HEAD_BYTES) {
      this.head ??= new Uint8Array(await this.blob.slice(0, Math.min(this.size, ByteSource.HEAD_BYTES)).arrayBuffer());
      return this.head.subarray(offset, end);
    }
    return new Uint8Array(await this.blob.slice(offset, end).arrayBuffer());
  }

  async readExact(offset, length) {
    const data = await this.read(offset, length);
    if (data.length !== length) throw new CorruptFile("file ends early");
    return data;
  }
}

// --- JPEG ------------------------------------------------------------------------------------

export const APP1 = 0xe1;
const SOS = 0xda;
const EOI = 0xd9;
const STANDALONE = new Set([0x01, 0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7]);
const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);
/** Frames every browser decodes: baseline, extended sequential, progressive (Huffman). */
export const DECODABLE_SOF = new Set([0xc0, 0xc1, 0xc2]);
const MAX_JPEG_SEGMENTS = 256;

/** The header segments {marker, offset, length} of the JPEG at `start`, up to SOS. */
export async function jpegSegments(src, start = 0, end = null) {
  const soi = await src.read(start, 2);
  if (soi.length < 2 || soi[0] !== 0xff || soi[1] !== 0xd8) throw new CorruptFile("not a JPEG (no SOI marker)");
  const segments = [];
  let pos = start + 2;
  for (let i = 0; i < MAX_JPEG_SEGMENTS; i++) {
    const head = await src.read(pos, 2);
    if (head.length < 2 || head[0] !== 0xff) throw new CorruptFile(`JPEG marker expected at byte ${pos}`);
    let marker = head[1];
    pos += 2;
    while (marker === 0xff) {
      const b = await src.read(pos, 1);
      if (!b.length) throw new CorruptFile("JPEG ends inside a marker");
      marker = b[0];
      pos += 1;
    }
    if (marker === SOS || marker === EOI) return segments;
    if (STANDALONE.has(marker)) continue;
    const rawLen = await src.read(pos, 2);
    if (rawLen.length < 2) throw new CorruptFile("JPEG ends inside a segment header");
    const length = ((rawLen[0] << 8) | rawLen[1]) - 2;
    if (length < 0 || (end !== null && pos + 2 + length > end)) throw new CorruptFile(`JPEG segment at byte ${pos - 2} has a bad length`);
    segments.push({ marker, offset: pos + 2, length });
    pos += 2 + length;
  }
  throw new CorruptFile("too many JPEG header segments");
}

/** {sof, width, height} of the JPEG at `start`, from its frame header. */
export async function jpegFrame(src, start = 0, end = null) {
  for (const seg of await jpegSegments(src, start, end)) {
    if (SOF.has(seg.marker)) {
      if (seg.length < 5) throw new CorruptFile("JPEG frame header too short");
      const b = await src.readExact(seg.offset, 5);
      return { sof: seg.marker, height: (b[1] << 8) | b[2], width: (b[3] << 8) | b[4] };
    }
  }
  throw new CorruptFile("JPEG has no frame header");
}

// --- TIFF ------------------------------------------------------------------------------------

const TIFF_MAGIC = { "II*\0": true, "MM\0*": false, "IIU\0": true, IIRO: true, IIRS: true, MMOR: false };
const TYPE_SIZES = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4 };
const MAX_IFD_ENTRIES = 1000;

/** Bounded random access to the IFDs of a TIFF-structured file (TIFF, DNG, CR2, NEF, RW2, ORF...). */
export class TiffFile {
  static async open(src) {
    const head = await src.read(0, 8);
    const magic = String.fromCharCode(...head.subarray(0, 4));
    if (head.length < 8 || !(magic in TIFF_MAGIC)) throw new CorruptFile("not a TIFF-structured file");
    const tiff = new TiffFile();
    tiff.src = src;
    tiff.size = src.size;
    tiff.little = TIFF_MAGIC[magic];
    tiff.firstIfd = new DataView(head.buffer, head.byteOffset, 8).getUint32(4, tiff.little);
    return tiff;
  }

  /** {offset, entries: Map(tag -> entry), nextOffset, end}; CorruptFile when it does not fit. */
  async readIfd(offset) {
    if (offset < 8 || offset + 2 > this.size) throw new CorruptFile(`IFD offset ${offset} outside the file`);
    const countBytes = await this.src.readExact(offset, 2);
    const n = new DataView(countBytes.buffer, countBytes.byteOffset, 2).getUint16(0, this.little);
    if (n === 0 || n > MAX_IFD_ENTRIES || offset + 2 + 12 * n + 4 > this.size) throw new CorruptFile(`IFD at ${offset} has an implausible entry count ${n}`);
    const raw = await this.src.readExact(offset + 2, 12 * n + 4);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.length);
    const entries = new Map();
    for (let i = 0; i < n; i++) {
      const tag = view.getUint16(12 * i, this.little);
      const type = view.getUint16(12 * i + 2, this.little);
      const count = view.getUint32(12 * i + 4, this.little);
      const value = view.getUint32(12 * i + 8, this.little);
      const size = (TYPE_SIZES[type] ?? 0) * count;
      const valueOffset = size <= 4 ? offset + 2 + 12 * i + 8 : value;
      entries.set(tag, { tag, type, count, valueOffset, size, inline: size <= 4 });
    }
    return { offset, entries, nextOffset: view.getUint32(12 * n, this.little), end: offset + 2 + 12 * n + 4 };
  }

  /** The values of a BYTE/SHORT/LONG entry (at most `limit`). */
  async ints(entry, limit = 1024) {
    const width = { 1: 1, 3: 2, 4: 4, 13: 4 }[entry.type];
    if (!width || entry.count > limit || entry.valueOffset + entry.size > this.size) return [];
    const b = await this.src.readExact(entry.valueOffset, entry.size);
    const view = new DataView(b.buffer, b.byteOffset, b.length);
    const out = [];
    for (let i = 0; i < entry.count; i++) {
      out.push(width === 1 ? view.getUint8(i) : width === 2 ? view.getUint16(2 * i, this.little) : view.getUint32(4 * i, this.little));
    }
    return out;
  }

  /** The first value of an integer tag of `ifd`, or null. */
  async int(ifd, tag) {
    const entry = ifd.entries.get(tag);
    const values = entry ? await this.ints(entry) : [];
    return values.length ? values[0] : null;
  }
}
