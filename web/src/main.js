// The app shell: a tiny router over the History API. Each view is a module with
// mount(main, params) returning an optional cleanup; heavy views (map) load on demand.
import "./styles.css";
import { forgetEarlyAnswers } from "./api.js";
import { checkSession } from "./views/account.js";
// The timeline is the first page of most loads: its code comes with the app's, not a round trip later.
import * as timeline from "./views/timeline.js";

const routes = [
  { pattern: /^\/$/, load: async () => timeline },
  { pattern: /^\/photo\/([0-9a-f]{64})$/, load: async () => timeline, params: (m) => ({ hothash: m[1] }) },
  { pattern: /^\/import$/, load: () => import("./views/import.js") },
  { pattern: /^\/map$/, load: () => import("./views/map.js") },
  { pattern: /^\/account$/, load: () => import("./views/account.js") },
  { pattern: /^\/signin$/, load: () => import("./views/signin.js") },
];

const main = document.getElementById("main");
let current = { module: null, cleanup: null };

export function navigate(url, { replace = false } = {}) {
  const target = new URL(url, location.href);
  if (target.href === location.href) return;
  history[replace ? "replaceState" : "pushState"](null, "", target);
  render();
}

export function toast(message) {
  const el = document.getElementById("toast");
  el.textContent = message;
  el.classList.add("show");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => el.classList.remove("show"), 4000);
}

// Renders run one after another: a view still mounting (the map loads its library) must finish,
// and be cleaned up, before the next replaces it, or its late output would land in the next view.
let rendering = Promise.resolve();
function render() {
  rendering = rendering.then(renderNow, renderNow).finally(forgetEarlyAnswers);
  return rendering;
}

async function renderNow() {
  const path = location.pathname;
  const route = routes.find((r) => r.pattern.test(path)) ?? routes[0];
  const params = route.params ? route.params(path.match(route.pattern)) : {};
  // The view's code loads while the session is asked for: neither waits for the other.
  const [session, module] = await Promise.all([checkSession(), route.load()]);
  if (session.needsSignIn && path !== "/signin") {
    navigate(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
    return;
  }
  for (const a of document.querySelectorAll("nav a[data-nav]")) {
    const here = a.getAttribute("href") === "/" ? path === "/" || path.startsWith("/photo/") : path.startsWith(a.getAttribute("href"));
    if (here) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  // A view that stays (the timeline under its photo view) updates in place.
  if (current.module === module && module.update) {
    module.update(params);
    return;
  }
  current.cleanup?.();
  main.replaceChildren();
  current = { module, cleanup: (await module.mount(main, params)) ?? null };
}

document.addEventListener("click", (event) => {
  const a = event.target.closest("a[href]");
  if (!a || a.target || a.hasAttribute("download") || event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname === "/graphql") return;
  event.preventDefault();
  navigate(url);
});
window.addEventListener("popstate", render);
window.addEventListener("imalink:unauthenticated", async () => {
  const session = await checkSession({ refresh: true });
  if (session.needsSignIn && location.pathname !== "/signin") render();
});
render();
