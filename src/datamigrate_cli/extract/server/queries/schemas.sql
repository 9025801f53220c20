-- schemas: dbo and the schemas made with CREATE SCHEMA (not sys, INFORMATION_SCHEMA, guest or the role schemas).
SELECT
    s.schema_id,
    s.name
FROM sys.schemas AS s
WHERE (s.schema_id = 1 OR s.schema_id BETWEEN 5 AND 16383)
    AND {schema_filter(s.name)}
ORDER BY s.name
