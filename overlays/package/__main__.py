"""`python -m sage_accounting` is the `sage-accounting` command."""

import sys

from sage_accounting.cli import main

sys.exit(main())
