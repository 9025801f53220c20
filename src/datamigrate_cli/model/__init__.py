"""Domain types every layer may use: the Catalog, issue codes, errors, per-object results."""
