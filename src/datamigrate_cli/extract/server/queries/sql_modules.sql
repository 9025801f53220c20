-- sql_modules: the CREATE text of views, routines and triggers; definition is NULL for an encrypted module.
SELECT
    m.object_id,
    m.definition
FROM sys.sql_modules AS m
JOIN sys.objects AS o ON o.object_id = m.object_id
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
LEFT JOIN sys.objects AS p ON p.object_id = o.parent_object_id AND o.type = 'TR'
WHERE o.type IN ('V', 'P', 'FN', 'IF', 'TF', 'TR')
    AND o.is_ms_shipped = 0
    AND {filter(s.name, COALESCE(p.name, o.name))}
UNION ALL
SELECT
    m.object_id,
    m.definition
FROM sys.sql_modules AS m
JOIN sys.triggers AS tr ON tr.object_id = m.object_id
WHERE tr.parent_class = 0
    AND tr.is_ms_shipped = 0
    AND {filter(N'dbo', tr.name)}
ORDER BY object_id
