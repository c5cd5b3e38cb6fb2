// The one door to the API: POST application/json to /graphql (the session cookie goes along).

export class ApiError extends Error {
  constructor(message, errors = [], status = 0) {
    super(message);
    this.errors = errors;
    this.status = status;
  }

  /** The first GraphQL error code (extensions.code), if any. */
  get code() {
    return this.errors.find((e) => e.extensions?.code)?.extensions.code ?? null;
  }
}

// "query Name(" or "mutation Name": the name of a request in the browser's performance timeline.
const OPERATION = /^\s*(?:query|mutation)\s+(\w+)/;

export async function gql(query, variables = {}, { signal } = {}) {
  const early = signal ? null : takeEarly(query, variables);
  const started = early?.started ?? performance.now();
  try {
    return await request(query, variables, signal, early);
  } finally {
    // Every request in the devtools' timeline and in performance.getEntriesByType("measure").
    performance.measure(`graphql ${OPERATION.exec(query)?.[1] ?? "anonymous"}`, { start: started });
  }
}

/** The request the HTML already sent for this query and these variables (boot.js), taken once. */
function takeEarly(query, variables) {
  const early = window.__imalinkEarly;
  if (!early?.length) return null;
  const key = JSON.stringify(variables);
  const i = early.findIndex((e) => e.query === query && e.key === key);
  return i < 0 ? null : early.splice(i, 1)[0];
}

/**
 * The early answers serve the first screen only: after it (a sign-in, an edit, another page)
 * they may be out of date, so they are dropped.
 */
export function forgetEarlyAnswers() {
  window.__imalinkEarly = null;
}

async function send(query, variables, signal) {
  try {
    return await fetch("/graphql", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ query, variables }),
      credentials: "same-origin",
      signal,
    });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError("The server cannot be reached.");
  }
}

async function request(query, variables, signal, early) {
  // An early request that failed on the way is simply asked again.
  const response = (early && (await early.response.catch(() => null))) || (await send(query, variables, signal));
  let body = null;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`The server answered ${response.status} without JSON.`, [], response.status);
  }
  if (body.errors?.length && !body.data) {
    const error = new ApiError(body.errors.map((e) => e.message).join("; "), body.errors, response.status);
    // The session ended (signed out elsewhere, expired): the app shows the sign-in page.
    if (error.code === "UNAUTHENTICATED") window.dispatchEvent(new CustomEvent("imalink:unauthenticated"));
    throw error;
  }
  if (body.errors?.length) {
    // Partial data: the caller gets it, the errors are attached.
    body.data.__errors = body.errors;
  }
  return body.data;
}

let capabilities = null;

// What to assume when the server refuses introspection (IMALINK_INTROSPECTION=false): the API
// this app was built against. Fields listed here that a server lacks fail with a clear error.
const OFFLINE_SCHEMA = {
  query: { fields: ["photo", "photos", "existingFiles", "existingPhotos", "importSession", "importSessions"].map((name) => ({ name, args: [] })) },
  mutation: { fields: ["createImportSession", "completeImportSession", "importBatch", "updatePhoto", "deletePhoto"].map((name) => ({ name })) },
  imageInput: { inputFields: [{ name: "contentHash" }] },
  groupInput: { inputFields: [{ name: "coldpreview" }] },
  photo: { fields: [{ name: "coldpreviewUrl" }] },
  filter: {
    inputFields: Object.entries({
      takenAfter: "LocalDateTime", takenBefore: "LocalDateTime", cameraMake: "String", cameraModel: "String", lensModel: "String",
      hasGps: "Boolean", bbox: "BoundingBoxInput", tags: "[String!]", minRating: "Int", importSessionId: "Int",
    }).map(([name, type]) => ({
      name,
      type: type.startsWith("[") ? { kind: "LIST", ofType: { kind: "NON_NULL", ofType: { kind: "SCALAR", name: "String" } } } : { kind: "SCALAR", name: type },
    })),
  },
  photoUpdate: { inputFields: [] },
};

/**
 * What this server's schema offers (fields that other parts of the API add over time), read
 * once by introspection so the app uses what is there and says what is not.
 */
export function schemaCapabilities() {
  capabilities ??= gql(`query Capabilities {
    query: __type(name: "Query") { fields { name args { name } } }
    mutation: __type(name: "Mutation") { fields { name } }
    imageInput: __type(name: "ImageInput") { inputFields { name } }
    groupInput: __type(name: "PhotoGroupInput") { inputFields { name } }
    photo: __type(name: "Photo") { fields { name } }
    filter: __type(name: "PhotoFilter") { inputFields { name type { kind name ofType { kind name ofType { kind name } } } } }
    photoUpdate: __type(name: "PhotoUpdateInput") { inputFields { name } }
  }`).catch(() => OFFLINE_SCHEMA).then((d) => {
    const names = (t, key = "fields") => new Set((t?.[key] ?? []).map((f) => f.name));
    const queryArgs = Object.fromEntries((d.query?.fields ?? []).map((f) => [f.name, new Set(f.args.map((a) => a.name))]));
    return {
      queries: names(d.query),
      queryArgs,
      mutations: names(d.mutation),
      imageInput: names(d.imageInput, "inputFields"),
      groupInput: names(d.groupInput, "inputFields"),
      photoFields: names(d.photo),
      filterFields: names(d.filter, "inputFields"),
      filterTypes: Object.fromEntries((d.filter?.inputFields ?? []).map((f) => [f.name, f.type])),
      photoUpdate: names(d.photoUpdate, "inputFields"),
    };
  });
  return capabilities;
}
