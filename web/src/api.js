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

export async function gql(query, variables = {}, { signal } = {}) {
  let response;
  try {
    response = await fetch("/graphql", {
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
  let body = null;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`The server answered ${response.status} without JSON.`, [], response.status);
  }
  if (body.errors?.length && !body.data) {
    throw new ApiError(body.errors.map((e) => e.message).join("; "), body.errors, response.status);
  }
  if (body.errors?.length) {
    // Partial data: the caller gets it, the errors are attached.
    body.data.__errors = body.errors;
  }
  return body.data;
}

let capabilities = null;

/**
 * What this server's schema offers (fields that other parts of the API add over time), read
 * once by introspection so the app uses what is there and says what is not.
 */
export function schemaCapabilities() {
  capabilities ??= gql(`{
    query: __type(name: "Query") { fields { name args { name } } }
    mutation: __type(name: "Mutation") { fields { name } }
    imageInput: __type(name: "ImageInput") { inputFields { name } }
    groupInput: __type(name: "PhotoGroupInput") { inputFields { name } }
    photo: __type(name: "Photo") { fields { name } }
    filter: __type(name: "PhotoFilter") { inputFields { name type { kind name ofType { kind name } } } }
    photoUpdate: __type(name: "PhotoUpdateInput") { inputFields { name } }
  }`).then((d) => {
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
