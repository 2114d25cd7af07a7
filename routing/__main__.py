"""``python -m routing``."""

from __future__ import annotations

import sys

from routing.cli import main

if __name__ == "__main__":
    sys.exit(main())
