"""Write the trained nets foldlab ships (``foldlab/weights/<name>.pt``) from their seeded recipes.

Each file is the state dict that ``foldlab.trained.PRETRAINED[name].train()`` gives: the recipe's
``fl.train`` call on one torch thread. ``tests/test_trained.py`` retrains every recipe and compares it with
the shipped file, so run this after a change to a recipe, to ``fl.mlp``'s init or to ``fl.train``.

Run: ``python tools/make_pretrained.py [NAME ...]`` (default: every recipe).
"""

from __future__ import annotations

import argparse
import sys

from foldlab.trained import PRETRAINED, write


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"recipes to write (default: all of {', '.join(PRETRAINED)})")
    args = parser.parse_args()
    for name in args.names or PRETRAINED:
        path = write(name)
        print(f"{name}: {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    sys.exit(main())
