"""`python -m geo.io import ...`: see geo.io.cli."""

from geo.io.cli import main

raise SystemExit(main())
