"""The GraphQL schema: thin Strawberry types over the resolvers' plain functions."""

from imalink.schema.build import build_schema

__all__ = ["build_schema"]
