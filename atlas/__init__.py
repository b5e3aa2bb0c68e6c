"""Service Atlas on the command line: ``python -m atlas <command> …`` (see ``atlas.cli``)."""
