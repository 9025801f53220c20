-- foreign_key_columns: the column pairs of every foreign key, in constraint order.
SELECT
    fkc.constraint_object_id,
    fkc.constraint_column_id,
    pc.name AS parent_column_name,
    rc.name AS referenced_column_name
FROM sys.foreign_key_columns AS fkc
JOIN sys.columns AS pc ON pc.object_id = fkc.parent_object_id AND pc.column_id = fkc.parent_column_id
JOIN sys.columns AS rc ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id
JOIN sys.tables AS o ON o.object_id = fkc.parent_object_id
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.is_ms_shipped = 0
    AND {filter(s.name, o.name)}
ORDER BY fkc.constraint_object_id, fkc.constraint_column_id
