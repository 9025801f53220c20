-- index_columns: key columns (by key_ordinal) and included columns of every index, with the column's name.
SELECT
    ic.object_id,
    ic.index_id,
    ic.index_column_id,
    c.name AS column_name,
    ic.key_ordinal,
    ic.is_descending_key,
    ic.is_included_column
FROM sys.index_columns AS ic
JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
JOIN sys.tables AS o ON o.object_id = ic.object_id
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.is_ms_shipped = 0
    AND {filter(s.name, o.name)}
ORDER BY ic.object_id, ic.index_id, ic.key_ordinal, ic.index_column_id
