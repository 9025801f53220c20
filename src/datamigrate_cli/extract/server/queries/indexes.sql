-- indexes: clustered, nonclustered, columnstore and hash indexes (not heaps, XML, spatial or hypothetical ones).
SELECT
    i.object_id,
    i.index_id,
    i.name,
    i.type,
    i.is_unique,
    i.is_primary_key,
    i.is_unique_constraint,
    i.has_filter,
    i.filter_definition
FROM sys.indexes AS i
JOIN sys.tables AS o ON o.object_id = i.object_id
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE i.type IN (1, 2, 5, 6, 7)
    AND i.is_hypothetical = 0
    AND o.is_ms_shipped = 0
    AND {filter(s.name, o.name)}
ORDER BY i.object_id, i.index_id
