"""T-SQL scripts -> Catalog: files, the fast path, the grammar and the builder."""
