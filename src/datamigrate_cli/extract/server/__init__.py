"""A live SQL Server -> Catalog: settings, connection, catalog queries and their rows."""
