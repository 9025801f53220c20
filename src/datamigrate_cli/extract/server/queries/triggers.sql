-- triggers: DML triggers (parent_class 1; filtered by their table's name) and database DDL triggers (parent_class 0).
SELECT
    tr.object_id,
    tr.name,
    tr.parent_class,
    s.name AS parent_schema_name,
    p.name AS parent_name,
    tr.is_instead_of_trigger
FROM sys.triggers AS tr
LEFT JOIN sys.objects AS p ON p.object_id = tr.parent_id AND tr.parent_class = 1
LEFT JOIN sys.schemas AS s ON s.schema_id = p.schema_id
WHERE tr.is_ms_shipped = 0
    AND {filter(COALESCE(s.name, N'dbo'), COALESCE(p.name, tr.name))}
ORDER BY tr.object_id
