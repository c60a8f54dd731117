"""Run the command line: ``python -m ftdata``."""

import sys

from ftdata.cli import main

sys.exit(main())
