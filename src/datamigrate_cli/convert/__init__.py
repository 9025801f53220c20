"""T-SQL -> target SQL: names, view conversion, issue codes."""
