// Small DOM helpers shared by the views (no framework: the app needs none).

/** h("a", {href, onclick}, child...) -> element; attributes set as given, on* as listeners. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

const numbers = new Intl.NumberFormat();
export function formatNumber(n) {
  return numbers.format(n);
}

export function formatDuration(seconds) {
  if (seconds === null || !Number.isFinite(seconds)) return "—";
  // A tenth under ten seconds: a small folder imports in a fraction of one, not in "0 s".
  if (seconds < 9.95) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** "2024-07-14T09:30:00" -> "14 July 2024, 09:30" (the camera's wall clock, no zone applied). */
export function formatTakenAt(takenAt) {
  if (!takenAt) return "Date unknown";
  const [date, time = ""] = takenAt.split("T");
  const [y, m, d] = date.split("-").map(Number);
  return `${d} ${MONTHS[m - 1]} ${y}${time ? `, ${time.slice(0, 5)}` : ""}`;
}
