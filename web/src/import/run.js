// An import run in the browser, by the protocol of docs/import-client.md: group the chosen files,
// hash each file (contentHash), ask the library which files it has (existingFiles) so known
// files are never decoded, make hotpreviews and read EXIF for the rest in workers, and send
// batches to one import session. Progress is reported per group; cancel stops between groups.
import { gql, schemaCapabilities } from "../api.js";
import { groupFiles, previewSource } from "./grouping.js";

export const DEFAULT_BATCH_SIZE = 100;
// Groups whose files are hashed and checked against the library in one existingFiles query.
const CHECK_CHUNK = 100;
// A batch is sent when full or when its first group has waited this long (steady progress).
const FLUSH_MS = 2000;
// ... or when its previews reach this size (coldpreviews are ~200 KB each).
const FLUSH_BYTES = 8 * 1024 * 1024;

// What one request may carry is the server's to say (its administrator may change it): asked
// when a run starts, never copied here. A batch is cut at half the body limit, since its size
// is counted before the JSON around it.
const IMPORT_LIMITS = `query ImportLimits {
  importLimits { maxGroupsPerBatch maxHashesPerLookup maxRequestBytes }
}`;

const EXISTING_FILES = `query ExistingFiles($contentHashes: [String!]!) {
  existingFiles(contentHashes: $contentHashes) { contentHash hothash filename }
}`;
const EXISTING_PHOTOS = `query ExistingPhotos($hothashes: [String!]!) {
  existingPhotos(hothashes: $hothashes) { hothash filenames }
}`;
const CREATE_SESSION = `mutation CreateImportSession($input: ImportSessionInput!) {
  createImportSession(input: $input) { id }
}`;
const COMPLETE_SESSION = `mutation CompleteImportSession($id: Int!) {
  completeImportSession(id: $id) { id status }
}`;
const IMPORT_BATCH = `mutation ImportBatch($input: BatchImportInput!) {
  importBatch(input: $input) {
    results { hothash status imagesCreated errors { code message filename } warnings { code message filename } }
  }
}`;

/** A small pool of import workers; tasks queue until a worker is free. */
export class WorkerPool {
  constructor(size = Math.max(1, Math.min(navigator.hardwareConcurrency || 2, 4))) {
    this.idle = [];
    this.queue = [];
    this.tasks = new Map();
    this.busy = {}; // milliseconds the workers spent per task and step (where an import's time goes)
    this.nextId = 1;
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
      worker.onmessage = (event) => this.done(worker, event.data);
      this.idle.push(worker);
      return worker;
    });
  }

  run(op, args) {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, op, args, resolve, reject });
      this.pump();
    });
  }

  pump() {
    while (this.idle.length && this.queue.length) {
      const task = this.queue.shift();
      const worker = this.idle.pop();
      this.tasks.set(task.id, task);
      task.started = performance.now();
      worker.postMessage({ id: task.id, op: task.op, args: task.args });
    }
  }

  done(worker, { id, result, error, spent }) {
    const task = this.tasks.get(id);
    this.tasks.delete(id);
    this.busy[task.op] = (this.busy[task.op] ?? 0) + performance.now() - task.started;
    for (const [step, ms] of Object.entries(spent ?? {})) this.busy[step] = (this.busy[step] ?? 0) + ms;
    this.idle.push(worker);
    this.pump();
    if (error !== undefined) task.reject(new Error(error));
    else task.resolve(result);
  }

  terminate() {
    for (const w of this.workers) w.terminate();
    for (const task of [...this.tasks.values(), ...this.queue]) task.reject(new DOMException("cancelled", "AbortError"));
    this.tasks.clear();
    this.queue = [];
  }
}

function emptyStats() {
  return {
    filesTotal: 0, groupsTotal: 0, filesDone: 0, groupsDone: 0,
    photosCreated: 0, imagesAdded: 0, filesAttached: 0, duplicates: 0,
    alreadyInLibrary: 0, filesAlreadyInLibrary: 0, groupsFailed: 0, warnings: 0,
    startedAt: performance.now(), elapsedMs: 0, importSessionId: null, state: "running",
    // Milliseconds spent: workers per task kind, existingFiles look-ups, waiting on importBatch.
    busyMs: { hash: 0, process: 0, existingFiles: 0, importBatch: 0 },
  };
}

/**
 * entries: [{file: File|Blob, path: "relative/path/IMG_1.JPG", size}]. Events: "progress"
 * (stats changed), "problem" (detail: {level, code, message, filename}), "done".
 */
export class ImportRun extends EventTarget {
  constructor(entries, { storageDirectory = null, batchSize = DEFAULT_BATCH_SIZE, workers, coldpreviews = true } = {}) {
    if (!(batchSize >= 1)) throw new RangeError("batch size must be at least 1");
    super();
    this.groups = groupFiles(entries);
    this.groups.forEach((g, i) => { g.index = i; });
    this.storageDirectory = storageDirectory;
    this.batchSize = batchSize;
    this.workerCount = workers;
    this.wantsColdpreviews = coldpreviews;
    this.stats = emptyStats();
    this.stats.groupsTotal = this.groups.length;
    this.stats.filesTotal = this.groups.reduce((n, g) => n + g.files.length, 0);
    this.problems = [];
    // What was found per file (path, group, contentHash, exifSha256): the run's record, which
    // the tests compare with the CLI's test vectors.
    this.files = [];
    this.cancelled = false;
  }

  cancel() {
    this.cancelled = true;
    this.pool?.terminate();
  }

  progress() {
    this.stats.elapsedMs = performance.now() - this.stats.startedAt;
    Object.assign(this.stats.busyMs, this.pool?.busy);
    this.dispatchEvent(new Event("progress"));
  }

  problem(level, code, message, filename) {
    const p = { level, code, message, filename };
    this.problems.push(p);
    if (level === "warning") this.stats.warnings++;
    this.dispatchEvent(new CustomEvent("problem", { detail: p }));
  }

  async run() {
    this.caps = await schemaCapabilities();
    this.byContent = this.caps.queries.has("existingFiles");
    this.sendsContentHash = this.caps.imageInput.has("contentHash");
    this.coldpreviews = this.wantsColdpreviews && this.caps.groupInput.has("coldpreview");
    this.pool = new WorkerPool(this.workerCount);
    this.uploads = Promise.resolve(); // batches go one at a time, in order
    this.ready = [];
    this.readyBytes = 0;
    this.lastFlush = performance.now();
    try {
      this.limits = (await gql(IMPORT_LIMITS)).importLimits;
      this.batchSize = Math.min(this.batchSize, this.limits.maxGroupsPerBatch);
      // The workers prepare the next chunk while the server stores this one; at most one chunk
      // waits for the server besides the one being sent (what the tab holds stays bounded).
      let sending = Promise.resolve();
      for (let start = 0; start < this.groups.length && !this.cancelled; start += CHECK_CHUNK) {
        await this.prepare(this.groups.slice(start, start + CHECK_CHUNK));
        await sending;
        sending = this.uploads;
      }
      if (!this.cancelled) this.flush();
      await this.uploads;
      if (!this.cancelled && this.stats.importSessionId !== null) {
        await gql(COMPLETE_SESSION, { id: this.stats.importSessionId });
      }
      this.stats.state = this.cancelled ? "cancelled" : "done";
    } catch (err) {
      if (this.cancelled) this.stats.state = "cancelled";
      else {
        this.stats.state = "failed";
        this.problem("error", "RUN_FAILED", err.message, null);
      }
    } finally {
      this.pool.terminate();
      this.progress();
      this.dispatchEvent(new Event("done"));
    }
    return this.stats;
  }

  /** A group is ready to send: send a batch when it is full or has waited FLUSH_MS. */
  queue(prepared) {
    this.ready.push(prepared);
    this.readyBytes += (prepared.input.coldpreview?.length ?? 0) + (prepared.input.hotpreview?.length ?? 0);
    if (this.ready.length >= this.batchSize || this.readyBytes > FLUSH_BYTES || performance.now() - this.lastFlush > FLUSH_MS) this.flush();
  }

  flush() {
    this.lastFlush = performance.now();
    if (!this.ready.length) return;
    const batch = this.ready;
    this.ready = [];
    this.readyBytes = 0;
    const sending = this.byContent ? Promise.resolve(batch) : null;
    this.uploads = this.uploads.then(async () => {
      if (this.cancelled) return;
      await this.send(sending ? await sending : await this.skipKnownPhotos(batch));
    });
  }

  finishGroup(group, { failed = false, skipped = false } = {}) {
    this.stats.groupsDone++;
    this.stats.filesDone += group.files.length;
    if (failed) this.stats.groupsFailed++;
    if (skipped) {
      this.stats.alreadyInLibrary++;
      this.stats.filesAlreadyInLibrary += group.files.length;
    }
    this.progress();
  }

  /** Hash, pre-check and process a chunk of groups; what is to be sent goes to queue(). */
  async prepare(batch) {
    const hashed = await Promise.all(batch.map((g) => this.pool.run("hash", { files: g.files.map((f) => f.file) })));
    const known = this.byContent ? await this.existingFiles(hashed.flat().map((h) => h.hash).filter(Boolean)) : new Map();
    const jobs = batch.map(async (group, i) => {
      const files = [];
      for (const [j, f] of group.files.entries()) {
        const h = hashed[i][j];
        if (h.error) {
          this.problem("error", "FILE_UNREADABLE", h.error, f.path);
          continue;
        }
        if ((f.size ?? f.file.size) === 0) {
          this.problem("error", "EMPTY_FILE", "the file is empty", f.path);
          continue;
        }
        files.push({ file: f.file, name: f.name, path: f.path, size: f.size ?? f.file.size, contentHash: h.hash, send: !known.has(h.hash) });
      }
      const records = files.map((f) => ({ path: f.path, group: group.index, contentHash: f.contentHash, exifSha256: null, sent: false }));
      this.files.push(...records);
      const knownPhotos = new Set(files.filter((f) => !f.send).map((f) => known.get(f.contentHash).hothash));
      if (!files.length) return this.finishGroup(group, { failed: group.files.some((f) => (f.size ?? f.file.size) > 0) });
      if (!files.some((f) => f.send)) return this.finishGroup(group, { skipped: true });
      if (knownPhotos.size > 1) {
        this.problem("error", "FILES_OF_TWO_PHOTOS", "these files belong to different photos in the library", group.files[0].path);
        return this.finishGroup(group, { failed: true });
      }
      const source = previewSource({ files });
      const needPreview = knownPhotos.size === 0;
      if (needPreview && !source) {
        this.problem("error", "NO_PREVIEW_SOURCE", "no JPEG or RAW to make a hotpreview from (HEIC is not decoded)", group.files[0].path);
        return this.finishGroup(group, { failed: true });
      }
      let r;
      try {
        r = await this.pool.run("process", {
          files: files.map(({ file, name, size, contentHash, send }) => ({ file, name, size, contentHash, send })),
          source: files.indexOf(source),
          preview: needPreview,
          cold: this.coldpreviews,
        });
      } catch (err) {
        if (this.cancelled) return null;
        throw err;
      }
      const pathOf = (name) => files.find((f) => f.name === name)?.path ?? name;
      for (const w of r.warnings) this.problem("warning", w.code, w.message, pathOf(w.filename));
      for (const e of r.errors) this.problem("error", e.code, e.message, pathOf(e.filename));
      files.forEach((f, k) => {
        const image = r.images.find((im) => im.filename === f.name);
        Object.assign(records[k], { exifSha256: image?.exifSha256 ?? null, sent: Boolean(image) });
      });
      for (const image of r.images) delete image.exifSha256;
      const hothash = needPreview ? r.hothash : [...knownPhotos][0];
      if (!hothash || !r.images.length) return this.finishGroup(group, { failed: true });
      const input = { hothash, images: r.images };
      if (needPreview) Object.assign(input, { hotpreview: r.hotpreview, width: r.width, height: r.height });
      if (needPreview && r.coldpreview) input.coldpreview = r.coldpreview;
      if (!this.sendsContentHash) for (const image of input.images) delete image.contentHash;
      this.finishGroup(group);
      this.queue({ group, input, paths: Object.fromEntries(files.map((f) => [f.name, f.path])) });
      return null;
    });
    await Promise.all(jobs);
  }

  async existingFiles(hashes) {
    const known = new Map();
    const started = performance.now();
    const chunk = this.limits.maxHashesPerLookup;
    for (let i = 0; i < hashes.length; i += chunk) {
      const data = await gql(EXISTING_FILES, { contentHashes: hashes.slice(i, i + chunk) });
      for (const f of data.existingFiles) known.set(f.contentHash, f);
    }
    this.stats.busyMs.existingFiles += performance.now() - started;
    return known;
  }

  // Servers without existingFiles: skip by hothash and file name, as the CLI did before content hashes.
  async skipKnownPhotos(prepared) {
    if (!prepared.length) return prepared;
    const data = await gql(EXISTING_PHOTOS, { hothashes: [...new Set(prepared.map((p) => p.input.hothash))] });
    const names = new Map(data.existingPhotos.map((p) => [p.hothash, new Set(p.filenames.map((n) => n.toLowerCase()))]));
    return prepared.filter((p) => {
      const have = names.get(p.input.hothash);
      if (!have) return true;
      p.input.images = p.input.images.filter((im) => !have.has(im.filename.toLowerCase()));
      if (p.input.images.length) return true;
      this.stats.alreadyInLibrary++;
      this.stats.filesAlreadyInLibrary += p.group.files.length;
      this.progress();
      return false;
    });
  }

  async ensureSession() {
    if (this.stats.importSessionId === null) {
      const data = await gql(CREATE_SESSION, { input: { storageDirectory: this.storageDirectory } });
      this.stats.importSessionId = data.createImportSession.id;
    }
    return this.stats.importSessionId;
  }

  async send(prepared) {
    // Cut by request size as well as by count: RAW EXIF can be large.
    let chunk = [];
    let bytes = 0;
    const flush = async () => {
      if (!chunk.length) return;
      const sending = chunk;
      chunk = [];
      bytes = 0;
      const importSessionId = await this.ensureSession();
      const started = performance.now();
      const data = await gql(IMPORT_BATCH, { input: { importSessionId, photoGroups: sending.map((p) => p.input) } });
      this.stats.busyMs.importBatch += performance.now() - started;
      data.importBatch.results.forEach((result, i) => this.record(sending[i], result));
    };
    for (const p of prepared) {
      const size = JSON.stringify(p.input).length;
      if (chunk.length && bytes + size > this.limits.maxRequestBytes / 2) await flush();
      chunk.push(p);
      bytes += size;
    }
    await flush();
  }

  record(p, result) {
    const pathOf = (name) => p.paths[name] ?? name;
    for (const w of result.warnings) this.problem("warning", w.code, w.message, pathOf(w.filename ?? p.input.images[0].filename));
    for (const e of result.errors) this.problem("error", e.code, e.message, pathOf(e.filename ?? p.input.images[0].filename));
    const s = this.stats;
    if (result.status === "CREATED") s.photosCreated++;
    else if (result.status === "IMAGES_ADDED") s.imagesAdded++;
    else if (result.status === "DUPLICATE") s.duplicates++;
    s.filesAttached += result.imagesCreated;
    s.filesAlreadyInLibrary += p.group.files.length - p.input.images.length;
    if (result.status === "FAILED") s.groupsFailed++;
    this.progress();
  }
}
