// Maps with Leaflet (loaded only when a map is shown). The base layer is a tile server: the one
// this browser chose on the Map page, else the server's (IMALINK_MAP_TILES, given to the page as
// <html data-tiles>; OpenStreetMap unless its operator chose otherwise). "none" draws a plain
// world outline from world-atlas, bundled with the app, so maps work offline and in the tests.
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import { feature } from "topojson-client";
import land from "world-atlas/land-110m.json";

const TILES_KEY = "imalink.tiles";

/** The tile URL template chosen here or by the server, or "none" for the offline outline (also
 * where no server said: the page served by a development server). */
export function tileSetting() {
  return localStorage.getItem(TILES_KEY) ?? (document.documentElement.dataset.tiles || "none");
}

/** This browser's choice of tiles; empty: the server's again. */
export function setTileSetting(value) {
  if (value) localStorage.setItem(TILES_KEY, value);
  else localStorage.removeItem(TILES_KEY);
}

export function baseLayer(map) {
  const tiles = tileSetting();
  if (tiles && tiles !== "none") {
    return L.tileLayer(tiles, { maxZoom: 19, attribution: "© OpenStreetMap contributors" }).addTo(map);
  }
  map.getContainer().classList.add("outline-map");
  return L.geoJSON(unwrapped(feature(land, land.objects.land)), {
    style: { color: "#7a8a99", weight: 1, fillColor: "#dfe6ec", fillOpacity: 1 },
    interactive: false,
  }).addTo(map);
}

// Rings that cross the 180th meridian jump between +180 and -180; drawn as they are, they streak
// across the world. Such a ring is made continuous (past 180) and then shifted back so that most
// of it lies within ±180. Antarctica's ring runs along the map's edge: left as is.
function unwrapped(geojson) {
  const fixRing = (ring) => {
    const crosses = ring.some(([lon], i) => i > 0 && Math.abs(lon - ring[i - 1][0]) > 180);
    if (!crosses || ring.some(([, lat]) => lat < -60)) return ring;
    let offset = 0;
    const continuous = ring.map(([lon, lat], i) => {
      if (i > 0) {
        const prev = ring[i - 1][0];
        if (lon - prev > 180) offset -= 360;
        else if (prev - lon > 180) offset += 360;
      }
      return [lon + offset, lat];
    });
    const mean = continuous.reduce((sum, [lon]) => sum + lon, 0) / continuous.length;
    const shift = mean > 180 ? -360 : mean < -180 ? 360 : 0;
    return continuous.map(([lon, lat]) => [lon + shift, lat]);
  };
  const fixGeometry = (g) => ({
    ...g,
    coordinates: g.type === "Polygon" ? g.coordinates.map(fixRing) : g.coordinates.map((poly) => poly.map(fixRing)),
  });
  return geojson.type === "FeatureCollection"
    ? { ...geojson, features: geojson.features.map((f) => ({ ...f, geometry: fixGeometry(f.geometry) })) }
    : { ...geojson, geometry: fixGeometry(geojson.geometry) };
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
