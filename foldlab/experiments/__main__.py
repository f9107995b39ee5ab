"""``python -m foldlab.experiments [options]``: the experiment runner's command line."""

from .cli import main

raise SystemExit(main())
