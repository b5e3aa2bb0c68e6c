"""One module per command of ``python -m atlas``: ``add_arguments(parser)`` and ``run(args)``."""
