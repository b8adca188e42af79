"""`python -m sage_accounting` is the `sage-accounting` command."""

import sys

from .cli import main

sys.exit(main())
