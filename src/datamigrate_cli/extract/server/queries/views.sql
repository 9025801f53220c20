-- views: user views; their text comes from sql_modules.
SELECT
    o.object_id,
    s.name AS schema_name,
    o.name
FROM sys.views AS o
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.is_ms_shipped = 0
    AND {filter(s.name, o.name)}
ORDER BY s.name, o.name
