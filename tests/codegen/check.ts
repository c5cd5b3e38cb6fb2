// Compiled with tsc --strict against the generated types: each @ts-expect-error must be an error,
// so a schema whose dates were plain strings or whose codes were open strings fails to compile.
import type { ImportGroupsMutation, ImportProblemCode, TimelineQuery } from "./generated";

type Node = TimelineQuery["photos"]["edges"][number]["node"];
type Result = ImportGroupsMutation["importBatch"]["results"][number];

const takenAt: NonNullable<Node["takenAt"]> = "2024-05-01T12:00:00.250";
// @ts-expect-error takenAt is a date-time, not any string
const notADate: NonNullable<Node["takenAt"]> = "last summer";
const createdAt: Node["createdAt"] = "2026-11-24T02:18:17.123456Z";
// @ts-expect-error createdAt is a UTC instant: it ends with Z
const withoutZone: Node["createdAt"] = "2026-11-24T02:18:17";

const code: Result["errors"][number]["code"] = "FILES_OF_DIFFERENT_PHOTOS";
// @ts-expect-error code is one of the ImportProblemCode literals
const notACode: ImportProblemCode = "SOMETHING_ELSE";

function describe(status: Result["status"]): string {
  switch (status) {
    case "CREATED": return "new";
    case "DUPLICATE": return "known";
    case "IMAGES_ADDED": return "files added";
    case "FAILED": return "failed";
  }
  const exhaustive: never = status; // a status the switch forgot would not be never
  return exhaustive;
}

export { code, createdAt, describe, notACode, notADate, takenAt, withoutZone };
