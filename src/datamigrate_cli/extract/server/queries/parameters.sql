-- parameters: parameters of procedures and functions (used when a module is encrypted and its header cannot be read).
SELECT
    p.object_id,
    p.parameter_id,
    p.name,
    TYPE_NAME(p.user_type_id) AS type_name,
    p.max_length,
    p.precision,
    p.scale,
    p.is_output
FROM sys.parameters AS p
JOIN sys.objects AS o ON o.object_id = p.object_id
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE p.parameter_id > 0
    AND o.type IN ('P', 'FN', 'IF', 'TF')
    AND o.is_ms_shipped = 0
    AND {filter(s.name, o.name)}
ORDER BY p.object_id, p.parameter_id
