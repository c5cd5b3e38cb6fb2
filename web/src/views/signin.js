// The sign-in page, shown when the server has users and this browser has no session. The session
// itself is an HttpOnly cookie the server sets: this page never sees its secret.
import { ApiError, gql } from "../api.js";
import { navigate } from "../main.js";
import { h } from "../ui.js";
import { checkSession } from "./account.js";

const SIGN_IN = `mutation SignIn($input: SignInInput!) { signIn(input: $input) { user { username } expiresAt } }`;

/** Where to go after signing in: a path of this app only (never another site). */
function nextPath() {
  const next = new URLSearchParams(location.search).get("next") ?? "/";
  return next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/signin") ? next : "/";
}

export async function mount(main) {
  const session = await checkSession();
  if (!session.needsSignIn) {
    navigate(nextPath(), { replace: true });
    return;
  }
  const status = h("p", { class: "form-error", role: "alert", id: "signin-error" });
  const username = h("input", { id: "signin-username", name: "username", autocomplete: "username", required: true, autofocus: true });
  const password = h("input", { id: "signin-password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const submit = h("button", { type: "submit" }, "Sign in");
  const form = h("form", { class: "signin", "aria-describedby": "signin-error" },
    h("label", { for: "signin-username" }, "User name"), username,
    h("label", { for: "signin-password" }, "Password"), password,
    submit, status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    status.textContent = "";
    try {
      await gql(SIGN_IN, { input: { username: username.value, password: password.value } });
      await checkSession({ refresh: true });
      navigate(nextPath(), { replace: true });
    } catch (err) {
      password.value = "";
      password.focus();
      status.textContent = err instanceof ApiError && err.code === "INVALID_CREDENTIALS"
        ? "Wrong user name or password."
        : `Could not sign in: ${err.message}`;
    } finally {
      submit.disabled = false;
    }
  });
  main.append(h("h1", {}, "Sign in"), h("p", {}, "This library is private: sign in to see it."), form);
}
