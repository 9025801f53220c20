-- foreign_keys: every foreign key, the table it references and its ON DELETE / ON UPDATE actions.
SELECT
    fk.object_id,
    fk.parent_object_id,
    fk.name,
    fk.is_system_named,
    rs.name AS referenced_schema_name,
    ro.name AS referenced_object_name,
    fk.delete_referential_action_desc,
    fk.update_referential_action_desc
FROM sys.foreign_keys AS fk
JOIN sys.objects AS ro ON ro.object_id = fk.referenced_object_id
JOIN sys.schemas AS rs ON rs.schema_id = ro.schema_id
JOIN sys.tables AS o ON o.object_id = fk.parent_object_id
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.is_ms_shipped = 0
    AND {filter(s.name, o.name)}
ORDER BY fk.parent_object_id, fk.object_id
