// Maps with Leaflet (loaded only when a map is shown). The base layer is a tile server the user
// configures (OpenStreetMap by default); "none" draws a plain world outline from world-atlas,
// bundled with the app, so maps work offline and in the tests.
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import { feature } from "topojson-client";
import land from "world-atlas/land-110m.json";

export const DEFAULT_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
const TILES_KEY = "imalink.tiles";

/** The tile URL template the user chose, or "none" for the offline outline. */
export function tileSetting() {
  return localStorage.getItem(TILES_KEY) ?? (document.documentElement.dataset.tiles || DEFAULT_TILES);
}

export function setTileSetting(value) {
  localStorage.setItem(TILES_KEY, value);
}

export function baseLayer(map) {
  const tiles = tileSetting();
  if (tiles && tiles !== "none") {
    return L.tileLayer(tiles, { maxZoom: 19, attribution: "© OpenStreetMap contributors" }).addTo(map);
  }
  map.getContainer().classList.add("outline-map");
  return L.geoJSON(feature(land, land.objects.land), {
    style: { color: "#7a8a99", weight: 1, fillColor: "#dfe6ec", fillOpacity: 1 },
    interactive: false,
  }).addTo(map);
}

export function makeMap(element, options = {}) {
  const map = L.map(element, { worldCopyJump: true, minZoom: 1, ...options });
  baseLayer(map);
  return map;
}

export function miniMap(element, lat, lon) {
  const map = makeMap(element, { zoomControl: false, attributionControl: false });
  map.setView([lat, lon], 5);
  L.circleMarker([lat, lon], { radius: 6, color: "#c0392b", fillOpacity: 0.9 }).addTo(map);
  return map;
}

export { L };
