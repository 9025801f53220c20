-- key_constraints: primary keys (PK) and unique constraints (UQ); their columns are those of unique_index_id.
SELECT
    kc.object_id,
    kc.parent_object_id,
    kc.name,
    kc.type,
    kc.unique_index_id,
    kc.is_system_named
FROM sys.key_constraints AS kc
JOIN sys.tables AS o ON o.object_id = kc.parent_object_id
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.is_ms_shipped = 0
    AND {filter(s.name, o.name)}
ORDER BY kc.parent_object_id, kc.object_id
