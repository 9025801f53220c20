-- trigger_events: the statements each trigger fires on (INSERT, UPDATE, DELETE, or DDL events).
SELECT
    te.object_id,
    te.type,
    te.type_desc
FROM sys.trigger_events AS te
JOIN sys.triggers AS tr ON tr.object_id = te.object_id
LEFT JOIN sys.objects AS p ON p.object_id = tr.parent_id AND tr.parent_class = 1
LEFT JOIN sys.schemas AS s ON s.schema_id = p.schema_id
WHERE tr.is_ms_shipped = 0
    AND {filter(COALESCE(s.name, N'dbo'), COALESCE(p.name, tr.name))}
ORDER BY te.object_id, te.type
