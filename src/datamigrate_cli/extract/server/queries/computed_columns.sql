-- computed_columns: the expression of every computed column, as the server stores it.
SELECT
    cc.object_id,
    cc.column_id,
    cc.definition,
    cc.is_persisted
FROM sys.computed_columns AS cc
JOIN sys.tables AS o ON o.object_id = cc.object_id
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.is_ms_shipped = 0
    AND {filter(s.name, o.name)}
ORDER BY cc.object_id, cc.column_id
