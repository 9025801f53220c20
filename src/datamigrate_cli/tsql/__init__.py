"""T-SQL itself: the lexer (lexer.py), the keyword table (keywords.py) and the statement splitter
(statements.py) every reader shares; script files and GO batches (script.py), blocks of a body
(blocks.py), a cursor over sqlglot's tokens for the DDL grammar (tokens.py), built-in types."""
