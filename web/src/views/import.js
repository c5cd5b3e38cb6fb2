// Import a folder from this computer: pick it, watch the progress, see every problem by file.
import { ImportRun } from "../import/run.js";
import { isPhotoPath } from "../import/grouping.js";
import { h, formatDuration, formatNumber } from "../ui.js";

let active = null; // the run survives leaving the page; coming back shows it

/** Files of a folder picked with the File System Access API, walked one folder at a time. */
async function walkDirectory(handle, prefix = "", out = []) {
  const subfolders = [];
  for await (const entry of handle.values()) {
    if (entry.name.startsWith(".")) continue;
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.kind === "directory") subfolders.push([entry, path]);
    else if (isPhotoPath(path)) {
      const file = await entry.getFile();
      out.push({ file, path, size: file.size });
    }
  }
  for (const [entry, path] of subfolders) await walkDirectory(entry, path, out);
  return out;
}

function entriesFromInput(files) {
  // webkitRelativePath is "Chosen/sub/IMG_1.JPG": drop the chosen folder's own name.
  const out = [];
  let root = null;
  for (const file of files) {
    const rel = file.webkitRelativePath || file.name;
    const slash = rel.indexOf("/");
    root ??= slash > 0 ? rel.slice(0, slash) : null;
    const path = slash > 0 ? rel.slice(slash + 1) : rel;
    if (isPhotoPath(path)) out.push({ file, path, size: file.size });
  }
  return { entries: out, root };
}

function progressView(run) {
  const bar = h("progress", { max: 1, value: 0, "aria-label": "Groups done" });
  const figures = h("dl", { class: "figures" });
  const problems = h("ul", { class: "problems", "aria-label": "Errors and warnings" });
  const status = h("p", { class: "run-status", role: "status", "aria-live": "polite" });
  const cancel = h("button", { type: "button", class: "danger", onclick: () => run.cancel() }, "Cancel");
  const section = h("section", { class: "import-progress", "aria-label": "Import progress" }, status, bar, figures, cancel,
    h("h2", {}, "Problems"), problems);

  const show = () => {
    const s = run.stats;
    const secs = s.elapsedMs / 1000;
    const rate = secs > 0 ? s.groupsDone / secs : 0;
    const left = rate > 0 ? (s.groupsTotal - s.groupsDone) / rate : null;
    bar.max = Math.max(1, s.groupsTotal);
    bar.value = s.groupsDone;
    const rows = [
      ["Files", `${formatNumber(s.filesDone)} of ${formatNumber(s.filesTotal)}`],
      ["Photos (groups)", `${formatNumber(s.groupsDone)} of ${formatNumber(s.groupsTotal)}`],
      ["Rate", `${rate.toFixed(1)} photos/s`],
      ["Time left", s.state === "running" && left !== null ? formatDuration(left) : "—"],
      ["New photos", formatNumber(s.photosCreated)],
      ["Known photos given new files", formatNumber(s.imagesAdded)],
      ["Files recorded", formatNumber(s.filesAttached)],
      ["Already in the library", `${formatNumber(s.alreadyInLibrary)} photos, ${formatNumber(s.filesAlreadyInLibrary)} files`],
      ["Duplicates", formatNumber(s.duplicates)],
      ["Failed", formatNumber(s.groupsFailed)],
      ["Warnings", formatNumber(s.warnings)],
    ];
    figures.replaceChildren(...rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
    const label = { running: "Importing…", done: "Import finished.", cancelled: "Import cancelled.", failed: "Import stopped by an error." }[s.state];
    status.textContent = `${label} ${formatNumber(s.groupsDone)} of ${formatNumber(s.groupsTotal)} photos checked in ${formatDuration(secs)}${outcome(s)}.`;
    section.dataset.state = s.state;
    cancel.hidden = s.state !== "running";
  };
  const addProblem = (p) => {
    if (problems.children.length >= 500) return; // the counts above stay exact
    problems.append(h("li", { class: p.level }, h("strong", {}, p.code), " ", h("span", { class: "file" }, p.filename ?? ""), ": ", p.message));
  };
  run.problems.forEach(addProblem);
  let frame = 0;
  const onProgress = () => { frame ||= requestAnimationFrame(() => { frame = 0; show(); }); };
  run.addEventListener("progress", onProgress);
  run.addEventListener("problem", (e) => addProblem(e.detail));
  run.addEventListener("done", show);
  show();
  return section;
}

// What became of the photos, once the run has ended: "7 of 7 photos" alone read as seven imported
// when six were already in the library and one failed. Parts that are zero are left out, but "0 new".
function outcome(s) {
  if (s.state === "running") return "";
  const parts = [`${formatNumber(s.photosCreated)} new`];
  if (s.imagesAdded) parts.push(`${formatNumber(s.imagesAdded)} given new files`);
  if (s.alreadyInLibrary) parts.push(`${formatNumber(s.alreadyInLibrary)} already in the library`);
  if (s.duplicates) parts.push(`${formatNumber(s.duplicates)} duplicates`);
  if (s.groupsFailed) parts.push(`${formatNumber(s.groupsFailed)} failed`);
  return `: ${parts.join(", ")}`;
}

export function mount(main) {
  const input = h("input", { type: "file", id: "folder-input", webkitdirectory: "", multiple: "" });
  const pickButton = h("button", { type: "button", id: "pick-folder" }, "Choose a folder…");
  const place = h("div", { class: "import-run" });
  const coldBox = h("input", { type: "checkbox", id: "send-coldpreviews", checked: true });
  const start = (entries, root) => {
    if (active?.stats.state === "running") return;
    // ?batch=N: photo groups per request (default 100), e.g. for a slow link.
    const batchSize = Number(new URLSearchParams(location.search).get("batch")) || undefined;
    // ?workers=N: decoding workers (default: one per core, at most 4).
    const workers = Number(new URLSearchParams(location.search).get("workers")) || undefined;
    active = new ImportRun(entries, { storageDirectory: root, batchSize, workers, coldpreviews: coldBox.checked });
    window.imalinkLastImport = active; // for the console (and the tests): stats, problems, files
    place.replaceChildren(progressView(active));
    active.run();
  };
  input.addEventListener("change", () => {
    const { entries, root } = entriesFromInput(input.files);
    start(entries, root);
    input.value = "";
  });
  pickButton.addEventListener("click", async () => {
    if (!window.showDirectoryPicker) return input.click();
    let dir;
    try {
      dir = await window.showDirectoryPicker({ id: "imalink-import", mode: "read" });
    } catch {
      return; // the person closed the picker
    }
    start(await walkDirectory(dir), dir.name);
  });
  main.append(
    h("h1", {}, "Import photos"),
    h("p", {}, "Pick a folder: its photos (JPEG, RAW, HEIC, in subfolders too) are read here in the browser. ",
      "Only small previews and the EXIF metadata are sent; your files stay where they are. ",
      "Photos the library already has are recognised and skipped, so importing the same folder again sends only what is new."),
    h("div", { class: "pickers" }, pickButton, h("label", { for: "folder-input" }, "or select a folder: "), input),
    h("p", { class: "check" }, coldBox, h("label", { for: "send-coldpreviews" }, " Also send a larger preview (about 1200 px) of each new photo for viewing (a slower import)")),
    place,
  );
  if (active) place.replaceChildren(progressView(active));
}
