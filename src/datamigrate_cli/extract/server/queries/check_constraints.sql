-- check_constraints: every CHECK; parent_column_name is set for a check declared on a column.
SELECT
    cc.object_id,
    cc.parent_object_id,
    cc.name,
    cc.definition,
    cc.is_system_named,
    COL_NAME(cc.parent_object_id, NULLIF(cc.parent_column_id, 0)) AS parent_column_name
FROM sys.check_constraints AS cc
JOIN sys.tables AS o ON o.object_id = cc.parent_object_id
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.is_ms_shipped = 0
    AND {filter(s.name, o.name)}
ORDER BY cc.parent_object_id, cc.object_id
