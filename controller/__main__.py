"""`python -m controller` is the `kopilot` command."""

import sys

from .cli import main

sys.exit(main())
