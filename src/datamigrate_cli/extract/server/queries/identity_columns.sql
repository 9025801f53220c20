-- identity_columns: seed and increment of every identity column (sql_variant cast, which ODBC cannot fetch).
SELECT
    ic.object_id,
    ic.column_id,
    CAST(ic.seed_value AS decimal(38, 0)) AS seed_value,
    CAST(ic.increment_value AS decimal(38, 0)) AS increment_value
FROM sys.identity_columns AS ic
JOIN sys.tables AS o ON o.object_id = ic.object_id
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.is_ms_shipped = 0
    AND {filter(s.name, o.name)}
ORDER BY ic.object_id, ic.column_id
