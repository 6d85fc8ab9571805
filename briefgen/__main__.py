"""Run the briefgen command line: ``python -m briefgen``."""

from briefgen.cli import main

raise SystemExit(main())
