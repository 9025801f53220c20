"""The generated dbt project: escaping, templates, YAML text, the writer that keeps edits, the report."""
