"""``python -m claimlint`` and the ``claimlint`` command.

Importing the command line takes a few hundred milliseconds; a Ctrl-C meanwhile, before
claimlint's own signal handling is in place, ends the run with the usual one line and exit 130
instead of a KeyboardInterrupt traceback (``import claimlint`` itself is light, see
``claimlint/__init__.py``).
"""

from __future__ import annotations

import sys


def run() -> None:
    """The console script's entry point."""
    try:
        from claimlint.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("claimlint: interrupted\n")
        sys.exit(130)
    main()


if __name__ == "__main__":
    run()
