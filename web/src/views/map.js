// The map: where the photos (under the current filters) were taken, as clusters that split as
// you zoom. A cluster opens its photos in the timeline (a bbox filter), a single photo opens
// its photo view. Leaflet and the world outline load only with this view.
import { gql, schemaCapabilities } from "../api.js";
import { navigate } from "../main.js";
import { filterStateFromUrl, filterStateToQuery, photoFilter } from "../library.js";
import { h, formatNumber } from "../ui.js";

const RADIUS_PX = 48; // points closer than this on screen form one cluster
const POINTS = 500; // photos fetched per view when the server does not cluster

/** The map's view as a BoundingBoxInput (west > east when it crosses the 180th meridian). */
function boxOf(bounds) {
  const south = Math.max(-90, bounds.getSouth());
  const north = Math.min(90, bounds.getNorth());
  if (bounds.getEast() - bounds.getWest() >= 360) return { south, north, west: -180, east: 180 };
  const wrap = (lon) => ((((lon + 180) % 360) + 360) % 360) - 180;
  return { south, north, west: wrap(bounds.getWest()), east: wrap(bounds.getEast()) };
}

/** Server-side clusters (photoMap) where the server has them: [{lat, lon, count, photo, bounds}]. */
async function serverClusters(filter, bbox, zoom, L) {
  const data = await gql(`query Map($bbox: BoundingBoxInput!, $zoom: Int!, $filter: PhotoFilter) {
    photoMap(bbox: $bbox, zoom: $zoom, filter: $filter) { totalCount clusters { count latitude longitude hothash bounds { south west north east } photo { hotpreviewUrl title } } }
  }`, { bbox, zoom, filter });
  const clusters = data.photoMap.clusters.map((c) => ({
    lat: c.latitude, lon: c.longitude, count: c.count,
    photo: { ...c.photo, hothash: c.hothash },
    bounds: L.latLngBounds([c.bounds.south, c.bounds.west], [c.bounds.north, c.bounds.east]),
  }));
  return { total: data.photoMap.totalCount, clusters, shown: data.photoMap.totalCount };
}

async function pointsIn(filter, bbox) {
  const data = await gql(`query Points($filter: PhotoFilter) {
    photos(first: ${POINTS}, filter: $filter) { totalCount edges { node { hothash gpsLatitude gpsLongitude hotpreviewUrl title } } }
  }`, { filter: { ...filter, hasGps: true, bbox } });
  return { total: data.photos.totalCount, points: data.photos.edges.map((e) => e.node) };
}

/** Points grouped on screen: each cluster takes the points within RADIUS_PX of its first one. */
function cluster(map, points, L) {
  const clusters = [];
  for (const p of points) {
    const pt = map.latLngToLayerPoint([p.gpsLatitude, p.gpsLongitude]);
    let c = clusters.find((k) => Math.abs(k.x - pt.x) < RADIUS_PX && Math.abs(k.y - pt.y) < RADIUS_PX);
    if (!c) clusters.push((c = { x: pt.x, y: pt.y, lat: 0, lon: 0, count: 0, photo: p, bounds: L.latLngBounds([]) }));
    c.lat += p.gpsLatitude;
    c.lon += p.gpsLongitude;
    c.count++;
    c.bounds.extend([p.gpsLatitude, p.gpsLongitude]);
  }
  return clusters.map((c) => ({ ...c, lat: c.lat / c.count, lon: c.lon / c.count }));
}

export async function mount(main) {
  const caps = await schemaCapabilities();
  const state = filterStateFromUrl();
  const filter = await photoFilter(state);
  const status = h("p", { role: "status", class: "summary" }, "Loading the map…");
  const box = h("div", { class: "map-box", id: "map", role: "application", "aria-label": "Map of photos" });
  const geo = await import("./geo.js");
  const tilesInput = h("input", { id: "map-tiles", value: geo.tileSetting(), size: 40 });
  const tiles = h("form", { class: "field-inline" },
    h("label", { for: "map-tiles" }, "Tiles (URL template, \u201cnone\u201d for an outline, empty for the server\u2019s) "), tilesInput,
    h("button", { type: "submit" }, "Use"));
  tiles.addEventListener("submit", (e) => {
    e.preventDefault();
    geo.setTileSetting(tilesInput.value.trim());
    location.reload();
  });
  main.append(h("section", { class: "map-view", "aria-label": "Map" }, h("div", { class: "map-tools" }, h("h1", { class: "visually-hidden" }, "Map"), status, tiles), box));

  const { L } = geo;
  const map = geo.makeMap(box);
  map.setView([30, 10], 2);
  const layer = L.layerGroup().addTo(map);
  let generation = 0;
  const refresh = async () => {
    const mine = ++generation;
    const bbox = boxOf(map.getBounds());
    let total;
    let clusters;
    let shown;
    if (caps.queries.has("photoMap")) {
      ({ total, clusters, shown } = await serverClusters(filter, bbox, Math.round(map.getZoom()), L));
    } else {
      const found = await pointsIn(filter, bbox);
      total = found.total;
      shown = found.points.length;
      clusters = cluster(map, found.points, L);
    }
    if (mine !== generation) return;
    layer.clearLayers();
    for (const c of clusters) {
      if (c.count === 1) {
        const icon = L.divIcon({ className: "photo-marker", iconSize: [44, 44], html: `<img src="${c.photo.hotpreviewUrl}" alt="">` });
        L.marker([c.lat, c.lon], { icon, title: c.photo.title || "Photo", alt: c.photo.title || "Photo", keyboard: true })
          .on("click", () => navigate(`/photo/${c.photo.hothash}${location.search}`)).addTo(layer);
      } else {
        const size = 28 + Math.min(24, Math.log2(c.count) * 4);
        const icon = L.divIcon({ className: "cluster-icon", iconSize: [size, size], html: `<span style="line-height:${size - 4}px">${c.count}</span>` });
        L.marker([c.lat, c.lon], { icon, title: `${c.count} photos`, alt: `${c.count} photos`, keyboard: true })
          .on("click", () => {
            const b = c.bounds.pad(0.05);
            const bbox = [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()].map((v) => v.toFixed(5)).join(",");
            navigate(`/${filterStateToQuery({ ...state, bbox })}`);
          }).addTo(layer);
      }
    }
    box.dataset.markers = String(clusters.length);
    status.textContent = `${formatNumber(total)} geotagged photos here${total > shown ? ` (the ${formatNumber(shown)} newest shown)` : ""}`;
  };
  map.on("moveend", refresh);
  await refresh();
  return () => map.remove();
}
