"""`python -m datamigrate_cli`: the same command line as `datamigrate`."""

from .cli.app import main

main()
