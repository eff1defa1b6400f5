"""`python -m stp_prover ...` is the `stp` command."""

import sys

from stp_prover.cli.main import main

sys.exit(main())
