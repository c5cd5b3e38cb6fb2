// The map view (loaded only when opened).
import { h } from "../ui.js";

export function mount(main) {
  main.append(h("h1", {}, "Map"));
}
