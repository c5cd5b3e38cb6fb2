// Who is signed in. The server's accounts (sign-in, cookie sessions, API tokens) are detected
// from its schema; a loopback server without users opens straight away.
import { ApiError, gql, schemaCapabilities } from "../api.js";
import { h } from "../ui.js";

let session = null;

/** {needsSignIn, user}: asked once per page load (and again after signing in or out). */
export async function checkSession({ refresh = false } = {}) {
  if (session && !refresh) return session;
  try {
    const caps = await schemaCapabilities();
    if (!caps.queries.has("viewer")) return (session = { needsSignIn: false, user: null, accounts: false });
    const data = await gql("{ viewer { user { username } signedIn accounts } }");
    session = { needsSignIn: !data.viewer, user: data.viewer?.user ?? null, accounts: data.viewer ? data.viewer.accounts : true };
  } catch (err) {
    const unauthenticated = err instanceof ApiError && (err.status === 401 || err.code === "UNAUTHENTICATED");
    session = { needsSignIn: unauthenticated, user: null, accounts: unauthenticated };
  }
  return session;
}

export async function mount(main) {
  const s = await checkSession();
  main.append(h("h1", {}, "Account"));
  if (!s.accounts) {
    main.append(h("p", {}, "This server has no user accounts: it listens on this computer only and opens without signing in. ",
      "Create the first user with ", h("code", {}, "imalink user add"), " to share it safely on a network."));
    return;
  }
  main.append(h("p", {}, s.user ? `Signed in as ${s.user.username}.` : "Not signed in."));
}
