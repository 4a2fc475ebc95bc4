"""The ``relance`` command line's sub-apps, one module per group of commands; ``starter.py`` mounts
them. Each command reads its input, calls the back office's use cases and prints their answer."""
