"""What the course needs from the machine it runs on: ``check_environment()`` says what is there and what is not.

The start notebook calls it first, so that a student in a workshop sees at once whether the set-up worked
(and what to install when it did not), before any other cell fails in a less helpful way.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Requirement", "REQUIREMENTS", "check_environment"]


@dataclass(frozen=True)
class Requirement:
    """A package the course uses: import name, distribution name, why, and whether the course needs it."""

    module: str
    distribution: str
    why: str
    needed: bool = True


REQUIREMENTS = (
    Requirement("torch", "torch", "the nets"),
    Requirement("numpy", "numpy", "arrays"),
    Requirement("scipy", "scipy", "statistics and clustering"),
    Requirement("shapely", "shapely", "the exact 2D regions"),
    Requirement("matplotlib", "matplotlib", "every figure"),
    Requirement("ipywidgets", "ipywidgets", "every interactive control"),
    Requirement("sklearn", "scikit-learn", "the digits data set and k-means"),
    Requirement("tqdm", "tqdm", "progress bars"),
    Requirement("ipykernel", "ipykernel", "running the notebooks"),
    Requirement("jupyterlab", "jupyterlab", "the notebooks in a browser", needed=False),
    Requirement("regioncam", "regioncam", "the speed comparisons of the benchmarks", needed=False),
    Requirement("dask", "dask", "folding over data on a cluster (notebook 05, optional)", needed=False),
    Requirement("nbgrader", "nbgrader", "teachers grading the exercises", needed=False),
)


def _widget_state_saved() -> bool | None:
    """Whether JupyterLab's widget manager saves widget state in notebooks (None when JupyterLab is absent).

    Without it a saved notebook reopens with "model not found" where its widgets were; ``make lab`` and Binder
    install the setting (``binder/overrides.json``).
    """
    try:
        from jupyter_core.paths import jupyter_path
    except ImportError:
        return None
    for base in jupyter_path("lab", "settings"):
        overrides = Path(base) / "overrides.json"
        if overrides.is_file():
            try:
                settings = json.loads(overrides.read_text())
            except (OSError, ValueError):
                continue
            plugin = settings.get("@jupyter-widgets/jupyterlab-manager:plugin", {})
            if plugin.get("saveState") is True:
                return True
    return False


def check_environment(*, quiet: bool = False) -> dict[str, bool]:
    """Check that the course's packages import, and print a line for each: what it is for, its version.

    Returns a dict ``name -> ok`` (``False`` for what is missing); prints nothing with ``quiet=True``.

    Examples
    --------
    >>> report = check_environment(quiet=True)
    >>> report["torch"], report["foldlab"]
    (True, True)
    """
    import foldlab

    report = {"python": sys.version_info >= (3, 10), "foldlab": True}
    lines = [
        f"{'✓' if report['python'] else '✗'} Python {sys.version.split()[0]}"
        + ("" if report["python"] else ": foldlab needs 3.10 or newer"),
        f"✓ foldlab {foldlab.__version__}",
    ]
    for req in REQUIREMENTS:
        try:
            importlib.import_module(req.module)
            version = importlib.metadata.version(req.distribution)
            report[req.module] = True
            lines.append(f"✓ {req.distribution} {version}: {req.why}")
        except (ImportError, importlib.metadata.PackageNotFoundError):
            report[req.module] = False
            mark = "✗" if req.needed else "·"
            extra = "" if req.needed else " (optional)"
            lines.append(f"{mark} {req.distribution} is missing{extra}: {req.why}; pip install {req.distribution}")
    saved = _widget_state_saved()
    if saved is not None:
        report["widget_state"] = saved
        lines.append(
            "✓ JupyterLab saves widget state in notebooks" if saved else
            "· JupyterLab does not save widget state: saved notebooks reopen without their widgets until you run "
            "them again (make lab and Binder set @jupyter-widgets/jupyterlab-manager saveState)"
        )
    if not quiet:
        print("\n".join(lines))
    return report
