-- columns: every column of the user tables, with its declared type and the SQL Server type under it.
SELECT
    c.object_id,
    c.column_id,
    c.name,
    ty.name AS type_name,
    ty.is_user_defined AS type_is_user_defined,
    ty.is_assembly_type AS type_is_assembly_type,
    TYPE_NAME(c.system_type_id) AS system_type_name,
    c.max_length,
    c.precision,
    c.scale,
    c.collation_name,
    c.is_nullable,
    c.is_identity,
    c.is_computed
FROM sys.columns AS c
JOIN sys.tables AS o ON o.object_id = c.object_id
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
JOIN sys.types AS ty ON ty.user_type_id = c.user_type_id
WHERE o.is_ms_shipped = 0
    AND {filter(s.name, o.name)}
ORDER BY c.object_id, c.column_id
