-- tables: user tables (not those SQL Server ships, nor the database-diagram support table).
SELECT
    o.object_id,
    s.name AS schema_name,
    o.name
FROM sys.tables AS o
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.is_ms_shipped = 0
    AND NOT EXISTS (
        SELECT 1
        FROM sys.extended_properties AS ep
        WHERE ep.class = 1 AND ep.major_id = o.object_id AND ep.minor_id = 0
            AND ep.name = N'microsoft_database_tools_support'
    )
    AND {filter(s.name, o.name)}
ORDER BY s.name, o.name
