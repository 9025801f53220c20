"""T-SQL itself: script files and GO batches, statements, tokens, blocks, built-in types."""
