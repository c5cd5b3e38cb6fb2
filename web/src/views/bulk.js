// Acting on many photos at once: add a tag, rate, delete (after a confirmation). Tag and rating
// changes can be undone: the previous values are kept and written back.
import { gql } from "../api.js";
import { toast } from "../main.js";
import { h, formatNumber } from "../ui.js";

const BEFORE = `query Before($hothash: String!) { photo(hothash: $hothash) { hothash tags rating } }`;
const UPDATE = `mutation Update($hothash: String!, $input: PhotoUpdateInput!) { updatePhoto(hothash: $hothash, input: $input) { hothash tags rating } }`;
const DELETE = `mutation Delete($hothash: String!) { deletePhoto(hothash: $hothash) }`;

async function eachPhoto(hothashes, fn) {
  const results = [];
  for (const hothash of hothashes) results.push(await fn(hothash)); // one at a time: gentle on the server
  return results;
}

export function bulkBar(timeline) {
  const count = h("span", { class: "count", role: "status" });
  const tagInput = h("input", { id: "bulk-tag", placeholder: "tag" });
  const ratingSelect = h("select", { id: "bulk-rating", "aria-label": "Rating" },
    ...[0, 1, 2, 3, 4, 5].map((n) => h("option", { value: String(n) }, n ? "★".repeat(n) : "No rating")));
  const dialog = h("dialog", { class: "confirm", "aria-labelledby": "confirm-title" });
  let undo = null;
  const undoButton = h("button", { type: "button", hidden: true, onclick: async () => {
    const u = undo;
    undo = null;
    undoButton.hidden = true;
    await eachPhoto(u.keys(), (hothash) => gql(UPDATE, { hothash, input: u.get(hothash) }));
    toast("Undone.");
    timeline.reload();
  } }, "Undo");

  const change = async (make, message) => {
    const hothashes = [...timeline.selected];
    const previous = new Map();
    await eachPhoto(hothashes, async (hothash) => {
      const before = (await gql(BEFORE, { hothash })).photo;
      if (!before) return;
      previous.set(hothash, { tags: before.tags, rating: before.rating ?? 0 });
      await gql(UPDATE, { hothash, input: make(before) });
    });
    undo = previous;
    undoButton.hidden = false;
    toast(`${message} ${formatNumber(previous.size)} photos.`);
    timeline.reload();
  };

  const element = h("div", { class: "bulk", hidden: true, role: "toolbar", "aria-label": "Selected photos" },
    count,
    h("label", { for: "bulk-tag" }, "Add tag"), tagInput,
    h("button", { type: "button", onclick: () => {
      const t = tagInput.value.trim();
      if (t) change((p) => ({ tags: [...p.tags.filter((x) => x.toLowerCase() !== t.toLowerCase()), t] }), `Tagged "${t}":`);
    } }, "Tag"),
    h("label", { for: "bulk-rating" }, "Rate"), ratingSelect,
    h("button", { type: "button", onclick: () => change(() => ({ rating: Number(ratingSelect.value) }), "Rated") }, "Rate"),
    h("button", { type: "button", class: "danger", onclick: () => {
      dialog.replaceChildren(
        h("h2", { id: "confirm-title" }, `Delete ${formatNumber(timeline.selected.size)} photos?`),
        h("p", {}, "They and their files' records leave the library. Your files on disk are not touched; importing them again brings them back."),
        h("form", { method: "dialog" },
          h("button", { value: "cancel", autofocus: true }, "Keep them"),
          h("button", { value: "delete", class: "danger" }, "Delete")),
      );
      dialog.onclose = async () => {
        if (dialog.returnValue !== "delete") return;
        const gone = new Set(timeline.selected);
        await eachPhoto(gone, (hothash) => gql(DELETE, { hothash }));
        timeline.selected.clear();
        toast(`Deleted ${formatNumber(gone.size)} photos.`);
        timeline.reload();
      };
      dialog.showModal();
    } }, "Delete…"),
    undoButton, dialog,
  );

  return {
    element,
    update() {
      element.hidden = !timeline.selecting;
      count.textContent = `${formatNumber(timeline.selected.size)} selected`;
    },
  };
}
