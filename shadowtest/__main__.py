"""``python -m shadowtest``: the ``shadowtest`` command line (see :mod:`shadowtest.cli`)."""

import sys

from shadowtest.cli import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())
