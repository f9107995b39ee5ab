"""The course: its notebooks (``NOTEBOOKS``, ``outline()``) and what it needs from the machine it runs on
(``check_environment()`` says what is there and what is not).

The start notebook prints the outline and calls ``check_environment()`` first, so that a student in a workshop
sees at once the way through the course and whether the set-up worked (and what to install when it did not),
before any other cell fails in a less helpful way. ``tests/test_course.py`` checks that every notebook's first
cell (title, learning goals, time) and the start notebook's list of notebooks agree with ``NOTEBOOKS``.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import json
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Notebook", "NOTEBOOKS", "outline", "Requirement", "REQUIREMENTS", "check_environment"]


@dataclass(frozen=True)
class Notebook:
    """One notebook of the course: where it is, what it teaches, how long it takes, what it follows.

    Attributes
    ----------
    number : str
        ``"00"`` to ``"09"``, the order of the course.
    title : str
        As in the notebook's first line, ``# NN. Title``.
    file : str
        The file in ``notebooks/``.
    minutes : int
        "About N minutes" for a student, reading included (measured runs plus reading time).
    goals : tuple of str
        The learning goals, each completing "After this notebook you can ...".
    source : str
        The paper (and sections or figures) the notebook follows.
    """

    number: str
    title: str
    file: str
    minutes: int
    goals: tuple[str, ...]
    source: str


_SPACE_FOLDS = ('Lewandowski, Eghbalzadeh, Heinzl, Pisoni and Moser, "On Space Folds of ReLU Neural Networks", '
                "TMLR 2025, arXiv:2502.09954")
_SPACE_BETWEEN = ('Lewandowski, Heinzl, Pisoni and Moser, "The Space Between: On Folding, Symmetries and Sampling", '
                  "arXiv:2503.08502")
_SWINIARSKI = 'Swiniarski, Bruna and Cho, "Study on Activation Patterns", report (New York University)'
_DAROCZY = ('Daróczy, "Information geometry and generalization in deep neural networks", lecture slides '
            "(SZTAKI and UCLouvain, 2020)")

#: The course in order. The start notebook lists it (with links), and each notebook's first cell repeats its
#: title, goals and time; tests/test_course.py holds them to each other.
NOTEBOOKS = (
    Notebook("00", "Start here", "00_start_here.ipynb", 10, (
        "say what foldlab computes and in which order the course teaches it",
        "check that your environment has everything the notebooks need",
        "find a term you meet later in the glossary",
    ), "the four sources of the course, introduced"),
    Notebook("01", "Activation patterns and their Hamming geometry", "01_activation_patterns.ipynb", 30, (
        "compute the activation pattern of an input and say which bit each unit contributes",
        "measure the Hamming distance between two patterns and say which patterns lie in the interval between them",
        "explain why a straight segment never leaves that interval in a net with one hidden layer, and can in a "
        "deeper one",
        "read activation probabilities, dead and always-on units, and test whether patterns behave like coin flips",
        "compare nearest neighbours in Hamming distance with nearest neighbours in pixel distance",
    ), f"{_SWINIARSKI}, sections 1, 2.1-2.4 and 4.1"),
    Notebook("02", "Exact arrangements: how a ReLU network cuts the plane", "02_arrangements.ipynb", 30, (
        "compute every activation region of a net with two inputs exactly, as polygons",
        "count the regions of one layer with Zaslavsky's formula and explain how the next layers bend the lines",
        "tell activation regions from linear regions",
        "explain why a grid of samples only gives a lower bound on the number of regions",
        "compare region counts with the #neurons^2 / 2 of Hanin and Rolnick, at initialisation and in training",
    ), f"{_SWINIARSKI}, section 7.1; {_DAROCZY}, Hanin and Rolnick's Theorem 5; {_SPACE_FOLDS}, Figure 3"),
    Notebook("03", "CantorNet: one decision region, four ways to fold", "03_cantornet.ipynb", 25, (
        "build CantorNet and explain how its recursion copies the decision boundary",
        "walk a segment region by region and compute r1, r2 and chi by hand",
        "reproduce chi = 0 with the first layer's bits and chi = 1/2 with all layers (On Space Folds, Figure 5)",
        "explain why the hidden bits of the recursive CantorNet do not depend on the height y",
        "compare four nets with the same decision region that fold differently",
    ), f"{_SPACE_FOLDS}, Figures 2 and 5 and its appendix on CantorNet; Lewandowski, Eghbalzadeh and Moser, "
       '"CantorNet: A Sandbox for Testing Geometrical and Topological Complexity Measures" (NeurIPS 2024 workshop)'),
    Notebook("04", "Walks and folding", "04_walks_and_folding.ipynb", 30, (
        "walk a segment through a trained net exactly and read its path in Hamming space",
        "compute r1, r2 and chi of a path, and the running chi",
        "explain what equidistant sampling misses and why the exact walk does not",
        "use the properties of chi: stability, flatness, asymmetry, loops, joined walks",
        "summarise the folding of a net over a data set with Phi_N and say which choices it involves",
    ), f"{_SPACE_FOLDS}, Figures 1 and 4; {_SPACE_BETWEEN}, Propositions 4.1 and 4.2, Remark 4.3, "
       "Corollary 4.4, Figures 2 and 3"),
    Notebook("05", "Folding over data", "05_folding_over_data.ipynb", 30, (
        "measure the folding of a trained digits net over many pairs of classes with Phi_N",
        "compare the reductions of Phi_N and say what each one means",
        "see how folding changes with depth and with the generalisation error",
        "say what the digits experiments reproduce of the papers' claims and what they do not",
        "summarise folding with class centroids instead of all pairs, and say what that changes",
    ), f"{_SPACE_FOLDS} (the space folding measure on paths between two classes, its global reduction over class "
       f"pairs, the MNIST experiments); {_SPACE_BETWEEN} (the global measure Phi_N, and folding against depth and "
       "the generalisation error)"),
    Notebook("06", "Normalisation", "06_normalisation.ipynb", 20, (
        "see a deep net without normalisation saturate, with more units dead or always on the deeper the layer",
        "say what BatchNorm, LayerNorm, weight normalisation and SELU do to the activation probabilities of a net, "
        "at initialisation and in training",
        "explain why BatchNorm in eval mode and weight normalisation keep a ReLU net piecewise linear and LayerNorm "
        "and SELU do not",
        "run the Bernoulli null test layer by layer over training and compare its result with the report's",
    ), f"{_SWINIARSKI}, section 3, with sections 2.1 and 2.3.1"),
    Notebook("07", "Regions in training", "07_regions_in_training.ipynb", 25, (
        "count the activation regions of a net exactly through training, in a 2D box and along segments between "
        "data points",
        "compare the density of regions with Hanin and Rolnick's #neurons^2 / 2, with He's and with PyTorch's "
        "default initialisation",
        "compare nets of different depths with the same number of neurons, and nets trained with noisy labels",
        "say what the source reports about regions in training, and where foldlab's small runs agree and where they "
        "differ",
    ), f"{_DAROCZY}, part 3 (Hanin and Rolnick's Theorem 5 and their counts through training, against depth and "
       "with label noise)"),
    Notebook("08", "Information geometry and the region around an input", "08_information_geometry.ipynb", 45, (
        "compute a conditional Hamming geodesic and a Hamming midpoint between two digits and compare them with the "
        "straight walk, counting flips exactly",
        "estimate the size of an activation region by polytope exploration, and say how it compares with the exact "
        "distance to the region's boundary",
    ), f"{_DAROCZY}, Definition 3.1, Lemma 3.1, and Liang et al.'s Theorem 3.1 as the slides state it"),
    Notebook("09", "The folding regularizer", "09_folding_regularizer.ipynb", 40, (
        "compare two training recipes fairly: same seeds, same data, same epochs, every run reported, a paired test",
        "say what a comparison over a handful of seeds can and cannot show",
    ), f"{_SPACE_BETWEEN} (the regularisation scheme it outlines)"),
)


def outline(*, quiet: bool = False) -> str:
    """The course in order, one line per notebook: number, title, file and time; printed unless ``quiet``.

    Examples
    --------
    >>> print(outline(quiet=True).splitlines()[1])
    01  Activation patterns and their Hamming geometry  (01_activation_patterns.ipynb): about 30 minutes
    """
    lines = [f"{nb.number}  {nb.title}  ({nb.file}): about {nb.minutes} minutes" for nb in NOTEBOOKS]
    total = sum(nb.minutes for nb in NOTEBOOKS)
    text = "\n".join([*lines, f"all ten: about {total // 60} hours {total % 60} minutes"])
    if not quiet:
        print(text)
    return text


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


def _torch_kernels() -> str | None:
    """The CPU kernels torch computes with ("AVX2", "AVX512", ...), None where torch does not say."""
    try:
        import torch

        return str(torch.backends.cpu.get_cpu_capability())
    except (ImportError, AttributeError):
        return None


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
            if req.needed:
                importlib.import_module(req.module)
            elif importlib.util.find_spec(req.module) is None:  # optional: found, not imported (JupyterLab
                raise ImportError(req.module)  # and dask take tens of seconds to import on a busy machine)
            version = importlib.metadata.version(req.distribution)
            report[req.module] = True
            lines.append(f"✓ {req.distribution} {version}: {req.why}")
        except (ImportError, importlib.metadata.PackageNotFoundError):
            report[req.module] = False
            mark = "✗" if req.needed else "·"
            extra = "" if req.needed else " (optional)"
            lines.append(f"{mark} {req.distribution} is missing{extra}: {req.why}; pip install {req.distribution}")
    kernels = _torch_kernels()
    if kernels is not None:
        report["same_digits"] = kernels != "AVX512"
        lines.append(
            f"✓ torch computes with its {kernels} kernels" if report["same_digits"] else
            "· torch computes with its AVX512 kernels, which round float32 sums differently: nets trained here end "
            "with other last digits than the notebooks' text states (made with the AVX2 kernels); start Jupyter "
            "with ATEN_CPU_CAPABILITY=avx2 (make lab and Binder do)"
        )
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
