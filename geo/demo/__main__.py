"""Entry point of `python -m geo.demo` (never imported): the command itself is geo.io.demo_cli.main."""

from geo.io.demo_cli import main

raise SystemExit(main())
