"""Application logic between the schema and the database: the import service, query logic, loaders."""
