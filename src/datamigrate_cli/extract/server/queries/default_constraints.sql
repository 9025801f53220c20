-- default_constraints: column defaults; is_system_named tells a name SQL Server made up from one a script gave.
SELECT
    dc.object_id,
    dc.parent_object_id,
    dc.parent_column_id,
    dc.name,
    dc.definition,
    dc.is_system_named
FROM sys.default_constraints AS dc
JOIN sys.tables AS o ON o.object_id = dc.parent_object_id
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.is_ms_shipped = 0
    AND {filter(s.name, o.name)}
ORDER BY dc.parent_object_id, dc.parent_column_id
