"""`python -m sim` is the `coopsim` command."""

from sim.cli import main

raise SystemExit(main())
