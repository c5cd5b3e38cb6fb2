// graphql-codegen's configuration for the generated-client test (tests/schema/test_schema_codegen.py).
// A .ts file, not JSON or YAML: those get ${...} replaced by environment variables, and the
// scalar types below are TypeScript template literal types.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  overwrite: true,
  schema: process.env.IMALINK_GRAPHQL_URL,
  documents: "operations.graphql",
  generates: {
    "generated.ts": {
      plugins: ["typescript-operations"],
      config: {
        enumsAsTypes: true,
        strictScalars: true,
        // The wire format of each custom scalar, as a TypeScript type.
        scalars: {
          LocalDateTime: {
            input: "`${number}-${number}-${number}` | `${number}-${number}-${number}T${number}:${number}:${number}`",
            output: "`${number}-${number}-${number}T${number}:${number}:${number}`",
          },
          DateTime: "`${number}-${number}-${number}T${number}:${number}:${number}Z`",
          UtcOffset: "`${'+' | '-'}${number}:${number}`",
          BigInt: "number",
          JSON: "{ [key: string]: unknown }",
        },
      },
    },
  },
};
export default config;
