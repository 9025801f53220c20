"""The command line, a thin skin over the library: nothing but this package imports typer.

app.py      the Typer app, one function per command: parse options, call one library function, render
options.py  the options several commands share, declared once, and the checks of option values
console.py  the Rich consoles, progress on stderr, errors turned into one line and an exit code
render.py   what the commands show: extraction lines, generate summary, assessment, validation report
"""
