-- sequences: CREATE SEQUENCE objects (sql_variant values cast, which ODBC cannot fetch).
SELECT
    o.object_id,
    s.name AS schema_name,
    o.name,
    TYPE_NAME(o.user_type_id) AS type_name,
    CAST(o.start_value AS decimal(38, 0)) AS start_value,
    CAST(o.increment AS decimal(38, 0)) AS increment
FROM sys.sequences AS o
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.is_ms_shipped = 0
    AND {filter(s.name, o.name)}
ORDER BY s.name, o.name
