// The sign-in page, shown when the server has users and this browser has no session.
import { h } from "../ui.js";

export function mount(main) {
  main.append(h("h1", {}, "Sign in"), h("p", {}, "This server asks you to sign in."));
}
