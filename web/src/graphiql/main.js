// GraphiQL built from npm into this app's assets: it works offline, nothing comes from a CDN.
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import "graphiql/style.css";

const fetcher = createGraphiQLFetcher({ url: new URL("/graphql", location.href).href });
createRoot(document.getElementById("graphiql")).render(
  createElement(GraphiQL, { fetcher, defaultEditorToolsVisibility: true }),
);
