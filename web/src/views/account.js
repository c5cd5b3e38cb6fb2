// Who is signed in, signing out, and the user's API tokens (for `imalink import --token` and
// scripts). The server's accounts are detected from its schema; a loopback server without users
// opens straight away.
import { ApiError, gql } from "../api.js";
import { SESSION_QUERY } from "../boot.js";
import { navigate, toast } from "../main.js";
import { h } from "../ui.js";

let session = null;

/** {needsSignIn, user, accounts, signedIn}: asked once per page load (and again after signing in or out). */
export async function checkSession({ refresh = false } = {}) {
  if (session && !refresh) return session;
  try {
    // Asked straight away (the server this app ships with has viewer): the first screen waits
    // for this answer, so it is one round trip, not an introspection and then this.
    const data = await gql(SESSION_QUERY);
    session = data.viewer
      ? { needsSignIn: false, user: data.viewer.user, accounts: data.viewer.accounts, signedIn: data.viewer.signedIn }
      : { needsSignIn: true, user: null, accounts: true, signedIn: false };
  } catch (err) {
    const unauthenticated = err instanceof ApiError && (err.status === 401 || err.code === "UNAUTHENTICATED");
    session = { needsSignIn: unauthenticated, user: null, accounts: unauthenticated, signedIn: false };
  }
  return session;
}

const SCOPES = [
  ["READ", "Read", "see photos, the timeline, the map"],
  ["IMPORT", "Import", "add photos (imalink import)"],
  ["EDIT", "Edit", "change and delete photos"],
  ["ADMIN", "Admin", "add users"],
];
const TOKENS = "{ apiTokens { id name scopes createdAt expiresAt lastUsedAt } }";
const CREATE = `mutation Create($input: CreateApiTokenInput!) { createApiToken(input: $input) { secret token { id name } } }`;
const REVOKE = `mutation Revoke($id: Int!) { revokeApiToken(id: $id) }`;

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "never";
}

function tokenSection(user) {
  const list = h("tbody");
  const table = h("table", { class: "tokens", "aria-label": "API tokens" },
    h("thead", {}, h("tr", {}, ...["Name", "Scopes", "Created", "Last used"].map((t) => h("th", { scope: "col" }, t)),
      h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")))), list);
  const created = h("div", { class: "token-secret", role: "status", "aria-live": "polite" });

  async function refresh() {
    const { apiTokens } = await gql(TOKENS);
    list.replaceChildren(...apiTokens.map((t) => h("tr", {},
      h("td", {}, t.name), h("td", {}, t.scopes.map((s) => s.toLowerCase()).join(", ")),
      h("td", {}, when(t.createdAt)), h("td", {}, when(t.lastUsedAt)),
      h("td", {}, h("button", { type: "button", class: "danger", "aria-label": `Revoke ${t.name}`, onclick: async () => {
        if (!confirm(`Revoke the token "${t.name}"? Scripts using it stop working at once.`)) return;
        await gql(REVOKE, { id: t.id });
        toast(`Revoked ${t.name}.`);
        await refresh();
      } }, "Revoke")))));
    table.hidden = apiTokens.length === 0;
  }

  const name = h("input", { id: "token-name", name: "name", required: true, maxlength: 100, placeholder: "laptop importer" });
  const boxes = SCOPES.filter(([scope]) => scope !== "ADMIN" || user.isAdmin).map(([scope, label, what]) =>
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "scope", value: scope, defaultChecked: scope === "IMPORT" }), `${label} (${what})`));
  const error = h("p", { class: "form-error", role: "alert" });
  const form = h("form", { class: "token-form", "aria-label": "New API token" },
    h("label", { for: "token-name" }, "Name"), name,
    h("fieldset", {}, h("legend", {}, "Scopes"), ...boxes),
    h("button", { type: "submit" }, "Create token"), error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const scopes = [...form.querySelectorAll("input[name=scope]:checked")].map((b) => b.value);
    try {
      const { createApiToken } = await gql(CREATE, { input: { name: name.value, scopes } });
      const secret = h("code", { id: "token-secret" }, createApiToken.secret);
      created.replaceChildren(
        h("p", {}, `Token "${createApiToken.token.name}" created. Copy it now: it is shown only this once.`),
        secret,
        h("button", { type: "button", onclick: async () => {
          await navigator.clipboard?.writeText(createApiToken.secret).catch(() => {});
          toast("Copied.");
        } }, "Copy"),
        h("p", {}, "Use it with ", h("code", {}, `IMALINK_TOKEN=… imalink import --server ${location.origin} PATH`), "."));
      form.reset();
      await refresh();
    } catch (err) {
      error.textContent = err.message;
    }
  });
  refresh().catch((err) => toast(err.message));
  return h("section", { "aria-labelledby": "tokens-heading" },
    h("h2", { id: "tokens-heading" }, "API tokens"),
    h("p", {}, "Scripts and the importer sign in with a token. Each token does only what its scopes allow; revoke one you no longer use."),
    form, created, table);
}

export async function mount(main) {
  const s = await checkSession();
  main.append(h("h1", {}, "Account"));
  if (!s.accounts) {
    main.append(h("p", {}, "This server has no user accounts: it listens on this computer only and opens without signing in. ",
      "Create the first user with ", h("code", {}, "imalink user add NAME"), " to share it safely on a network."));
    return;
  }
  const signOut = h("button", { type: "button", id: "sign-out", onclick: async () => {
    await gql("mutation { signOut }");
    await checkSession({ refresh: true });
    navigate("/signin", { replace: true });
  } }, "Sign out");
  main.append(h("p", {}, `Signed in as ${s.user?.username ?? "?"}${s.user?.isAdmin ? " (admin)" : ""}. `, s.signedIn ? signOut : null));
  if (s.signedIn) main.append(tokenSection(s.user));
}
