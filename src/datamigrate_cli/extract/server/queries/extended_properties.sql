-- extended_properties: properties (MS_Description and others) of objects and their columns (class 1) and of schemas (class 3).
SELECT
    ep.class,
    ep.major_id,
    ep.minor_id,
    ep.name,
    CAST(ep.value AS nvarchar(max)) AS value
FROM sys.extended_properties AS ep
JOIN sys.objects AS o ON o.object_id = ep.major_id
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE ep.class = 1
    AND o.is_ms_shipped = 0
    AND {filter(s.name, o.name)}
UNION ALL
SELECT
    ep.class,
    ep.major_id,
    ep.minor_id,
    ep.name,
    CAST(ep.value AS nvarchar(max)) AS value
FROM sys.extended_properties AS ep
JOIN sys.schemas AS s ON s.schema_id = ep.major_id
WHERE ep.class = 3
    AND {schema_filter(s.name)}
ORDER BY 1, 2, 3, 4
