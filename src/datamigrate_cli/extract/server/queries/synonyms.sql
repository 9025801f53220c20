-- synonyms: CREATE SYNONYM objects and the (fully quoted) name they stand for.
SELECT
    o.object_id,
    s.name AS schema_name,
    o.name,
    o.base_object_name
FROM sys.synonyms AS o
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.is_ms_shipped = 0
    AND {filter(s.name, o.name)}
ORDER BY s.name, o.name
