-- dependencies: which objects each view, routine or trigger names (object level; column references folded in).
SELECT DISTINCT
    d.referencing_id,
    d.referenced_server_name,
    d.referenced_database_name,
    COALESCE(OBJECT_SCHEMA_NAME(d.referenced_id), d.referenced_schema_name) AS referenced_schema_name,
    d.referenced_entity_name
FROM sys.sql_expression_dependencies AS d
JOIN sys.objects AS o ON o.object_id = d.referencing_id
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
LEFT JOIN sys.objects AS p ON p.object_id = o.parent_object_id AND o.type = 'TR'
WHERE d.referencing_class = 1
    AND d.referenced_class = 1
    AND o.is_ms_shipped = 0
    AND {filter(s.name, COALESCE(p.name, o.name))}
ORDER BY d.referencing_id, referenced_schema_name, d.referenced_entity_name
