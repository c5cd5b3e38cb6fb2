"""Photos and their images: types, queries, mutations."""
