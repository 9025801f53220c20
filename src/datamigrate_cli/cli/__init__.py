"""The command line: options, commands, rendering of results."""
