// Which files form one photo, by the CLI's rule (importer/grouping.py, importer/scan.py): photo
// files of the same folder whose stems are equal compared case-insensitively; hidden files and
// folders (name starting with ".") are skipped; files of a group in name order.
import { fileKind } from "./exif.js";

/** Python's str.casefold for names: full case folding (ß -> ss), near enough for file names. */
export function casefold(s) {
  return s.toUpperCase().toLowerCase();
}

/** Compares like Python's str ordering: by code point (not by UTF-16 unit, as sort() does). */
export function byCodePoint(a, b) {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done === y.done ? 0 : x.done ? -1 : 1;
    const d = x.value.codePointAt(0) - y.value.codePointAt(0);
    if (d) return d;
  }
}

function splitPath(path) {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? ["", path] : [path.slice(0, slash), path.slice(slash + 1)];
}

function stemOf(name) {
  // os.path.splitext: a leading dot does not start an extension.
  const dot = name.lastIndexOf(".");
  return dot < 0 || /^\.*$/.test(name.slice(0, dot)) ? name : name.slice(0, dot);
}

/** True when a relative path should be imported: a photo file, in no hidden folder. */
export function isPhotoPath(path) {
  const parts = path.split("/");
  if (parts.some((p) => p.startsWith("."))) return false;
  return fileKind(parts[parts.length - 1]) !== null;
}

/**
 * Groups of entries {path, size, ...} (path relative to the chosen folder, "/"-separated):
 * [{folder, stem, files: [entry...]}] ordered by folder then stem, files by name.
 */
export function groupFiles(entries) {
  const folders = new Map();
  for (const entry of entries) {
    if (!isPhotoPath(entry.path)) continue;
    const [folder, name] = splitPath(entry.path);
    entry.name = name;
    let stems = folders.get(folder);
    if (!stems) folders.set(folder, (stems = new Map()));
    const key = casefold(stemOf(name));
    if (!stems.has(key)) stems.set(key, []);
    stems.get(key).push(entry);
  }
  const groups = [];
  for (const folder of [...folders.keys()].sort(byCodePoint)) {
    const stems = folders.get(folder);
    for (const stem of [...stems.keys()].sort(byCodePoint)) {
      const files = stems.get(stem).sort((a, b) => byCodePoint(a.name, b.name));
      groups.push({ folder, stem, files });
    }
  }
  return groups;
}

/** The file the hotpreview comes from: the group's first JPEG, else its first RAW; never HEIC. */
export function previewSource(group) {
  for (const kind of ["jpeg", "raw"]) {
    const f = group.files.find((file) => fileKind(file.name) === kind);
    if (f) return f;
  }
  return null;
}
