-- types: user-defined alias types (CREATE TYPE ... FROM, sp_addtype); table types and CLR types are not modelled.
SELECT
    t.user_type_id,
    s.name AS schema_name,
    t.name,
    TYPE_NAME(t.system_type_id) AS system_type_name,
    t.max_length,
    t.precision,
    t.scale,
    t.is_nullable
FROM sys.types AS t
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE t.is_user_defined = 1
    AND t.is_table_type = 0
    AND t.is_assembly_type = 0
    AND {filter(s.name, t.name)}
ORDER BY s.name, t.name
