-- routines: procedures (P) and functions (FN scalar, IF inline table, TF table); CLR ones (PC, FS, FT) are counted, not modelled.
SELECT
    o.object_id,
    s.name AS schema_name,
    o.name,
    o.type
FROM sys.objects AS o
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.type IN ('P', 'FN', 'IF', 'TF', 'PC', 'FS', 'FT')
    AND o.is_ms_shipped = 0
    AND NOT EXISTS (
        SELECT 1
        FROM sys.extended_properties AS ep
        WHERE ep.class = 1 AND ep.major_id = o.object_id AND ep.minor_id = 0
            AND ep.name = N'microsoft_database_tools_support'
    )
    AND {filter(s.name, o.name)}
ORDER BY s.name, o.name
