"""Counting regions: in a box, along a segment, per unit area, over training, and the one-layer formula.

The counts in a box come from the exact arrangement (:func:`foldlab.arrangement`), the counts along a
segment from the exact walk (:func:`foldlab.walk`); see foldlab's maths page (docs/maths.md), section
"Counting regions".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
import torch
from torch import nn

from ._docs import shared_docs
from ._plane import grid_points, window
from ._tolerances import PARALLEL_RTOL
from ._typing import ArrayLike, Box, Net, PlanePoints
from ._validation import as_points, check_float, check_int, describe, to_numpy
from .adapter import read_net
from .arrangement import MAX_REGIONS, arrangement
from .errors import NumericalRange
from .limits import check_memory

__all__ = [
    "n_regions",
    "region_density",
    "n_regions_along",
    "one_layer_regions",
    "first_layer_box",
    "grid_points",
    "grid_region_count",
    "hanin_rolnick_density",
    "RegionCounts",
    "regions_over_training",
    "LineCounts",
    "regions_along_over_training",
]

if TYPE_CHECKING:  # for annotations only: the core does not import matplotlib
    from matplotlib.axes import Axes

    from .plotting.regions import RegionCountArtists


class HasSnapshots(Protocol):
    """A training run that kept its nets, such as :class:`foldlab.training.TrainHistory`."""

    @property
    def snapshots(self) -> Sequence[nn.Module]: ...


@shared_docs
def n_regions(net: Net, box: Box | None = None, *, plane: PlanePoints | None = None,
              max_regions: int = MAX_REGIONS) -> int:
    """Number of activation regions of ``net`` in a 2D box (or in a plane), exactly.

    Parameters
    ----------
    %(piecewise_linear_net)s
    %(window)s
    %(max_regions)s

    Examples
    --------
    >>> import foldlab as fl
    >>> fl.n_regions(fl.mlp([2, 8, 1], seed=0), box=(-1, 1, -1, 1))
    8
    """
    return len(arrangement(net, box, plane=plane, max_regions=max_regions))


@shared_docs
def region_density(net: Net, box: Box | None = None, *, plane: PlanePoints | None = None,
                   max_regions: int = MAX_REGIONS) -> float:
    """Activation regions per unit area of the box (plane coordinates are orthonormal, see ``Plane``).

    Parameters
    ----------
    %(piecewise_linear_net)s
    %(window)s
    %(max_regions)s

    Examples
    --------
    >>> import foldlab as fl
    >>> fl.region_density(fl.mlp([2, 8, 1], seed=0), box=(-1, 1, -1, 1))
    2.0
    """
    return arrangement(net, box, plane=plane, max_regions=max_regions).density


#: ``one_layer_regions`` computes sums of binomials up to this many (terms x bits) word operations (about
#: a second) ...
ONE_LAYER_MAX_WORK = 2**31
#: ... and results of up to this many bits (8 MiB).
ONE_LAYER_MAX_BITS = 2**26


def one_layer_regions(n: int, r: int) -> int:
    """``f(n, r) = sum_{i <= r} C(n, i)``: regions of ``n`` hyperplanes in general position in ``R^r``.

    One hidden layer of ``n`` neurons whose weight matrix has rank ``r`` (input dimension ``r``) cuts
    its input space into this many activation regions when its hyperplanes are in general position
    (Zaslavsky's theorem; ``f(n, n) = 2^n``, ``f(n, 1) = n + 1``, ``f(n+1, r+1) = f(n, r+1) + f(n, r)``).

    The result is exact (a Python int). The sum runs over the smaller side (``f(n, r) = 2^n - f(n,
    n - r - 1)``), and it is refused with a ValueError when it would take more than about a second
    (``min(r, n - r) * n > ONE_LAYER_MAX_WORK``) or have more than ``ONE_LAYER_MAX_BITS`` bits; ``r >= n``
    gives ``2^n`` at once for ``n`` up to ``ONE_LAYER_MAX_BITS``.

    Examples
    --------
    >>> one_layer_regions(8, 2), one_layer_regions(3, 3), one_layer_regions(5, 1)
    (37, 8, 6)
    >>> one_layer_regions(10**6, 1)
    1000001

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", section 7.1, eqs. 59-61;
    Zaslavsky, "Facing up to arrangements" (1975).
    """
    n = check_int(n, "n", min=0)
    r = check_int(r, "r", min=0)
    if 2 * r >= n and n > ONE_LAYER_MAX_BITS:
        raise ValueError(
            f"one_layer_regions({n}, {r}) has about {n} bits (more than ONE_LAYER_MAX_BITS = {ONE_LAYER_MAX_BITS}); "
            f"expected n <= {ONE_LAYER_MAX_BITS} when r >= n / 2"
        )
    if r >= n:
        return 1 << n
    terms = min(r, n - r - 1)
    if terms * n > ONE_LAYER_MAX_WORK:
        raise ValueError(
            f"one_layer_regions({n}, {r}) sums {terms} binomials of up to {n} bits, more than "
            f"ONE_LAYER_MAX_WORK = {ONE_LAYER_MAX_WORK} (terms x bits, about a second); expected a smaller n, or r "
            f"nearer 0 or n"
        )
    total = term = 1  # C(n, 0)
    for i in range(1, terms + 1):
        term = term * (n - i + 1) // i
        total += term
    return total if terms == r else (1 << n) - total


def first_layer_box(net: nn.Module, margin: float = 0.5) -> tuple[float, float, float, float]:
    """A box holding every crossing of the first layer's lines (2 inputs), with a margin.

    In such a box every region of the first layer's line arrangement of the whole plane appears
    exactly once (each region of an arrangement of two or more lines in general position has a
    vertex, so it reaches into the box, and its part in the box is convex, hence one piece): counting
    regions in it counts them on the whole plane, where :func:`one_layer_regions` applies. The box
    also holds each line's point nearest the origin, so that a single line crosses it.

    Parameters
    ----------
    margin : float
        Added on every side, as a fraction of the larger side of the crossings' bounding box
        (at least 1 unit when all lines cross in one point or none cross).

    Examples
    --------
    >>> import foldlab as fl
    >>> net = fl.mlp([2, 6, 1], seed=0)
    >>> fl.n_regions(net, box=first_layer_box(net)) == fl.one_layer_regions(6, 2)
    True
    """
    spec = read_net(net)
    margin = check_float(margin, "margin", min=0)
    if spec.d_in != 2:
        raise ValueError(f"first_layer_box needs a net with 2 inputs, this one has {spec.d_in}")
    spec.check_piecewise_linear("first_layer_box")
    W, b = to_numpy(spec.layers[0].affine.weight), to_numpy(spec.layers[0].affine.bias)
    # each line w . x + b = 0 scaled by a power of two to size about 1 (the same line, exactly), so that
    # the products below neither overflow nor underflow whatever the scale of the weights
    size = np.maximum(np.abs(W).max(axis=1), np.abs(b))
    exponent = np.frexp(np.where(size > 0, size, 1.0))[1]
    W, b = np.ldexp(W, -exponent[:, None]), np.ldexp(b, -exponent)
    i, j = np.triu_indices(len(W), k=1)
    det = W[i, 0] * W[j, 1] - W[i, 1] * W[j, 0]
    ok = np.abs(det) > PARALLEL_RTOL * (np.abs(W[i]).sum(1) * np.abs(W[j]).sum(1))
    i, j, det = i[ok], j[ok], det[ok]
    # W_i . x = -b_i and W_j . x = -b_j
    x = (-b[i] * W[j, 1] + b[j] * W[i, 1]) / det
    y = (-W[i, 0] * b[j] + W[j, 0] * b[i]) / det
    # and the point of each line nearest the origin, so that the box meets lines that cross no other
    moving = np.abs(W).sum(axis=1) > 0
    feet = -b[moving, None] * W[moving] / (W[moving] ** 2).sum(axis=1, keepdims=True)
    points = np.concatenate([np.stack([x, y], axis=1), feet, np.zeros((1, 2))])
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = max(margin * float((hi - lo).max()), 1.0)
    box = (float(lo[0] - pad), float(hi[0] + pad), float(lo[1] - pad), float(hi[1] + pad))
    if not np.isfinite(box).all():
        raise NumericalRange(
            f"the first layer's lines cross up to {float(np.abs(points).max()):.3g} from the origin (with "
            f"margin={margin}), beyond float64's range; expected nearly parallel lines to be less nearly parallel"
        )
    return box


@shared_docs
def grid_region_count(net: Net, box: Box | None = None, resolution: int = 100, *,
                      plane: PlanePoints | None = None) -> int:
    """Number of distinct activation patterns a ``resolution x resolution`` grid finds (a lower bound).

    This is what counting regions by sampling gives; compare with :func:`n_regions`, which is exact.

    Parameters
    ----------
    %(net)s
    %(window)s
    resolution : int
        Grid points per side, at the centres of the grid's cells.

    Examples
    --------
    >>> import foldlab as fl
    >>> net = fl.mlp([2, 16, 16, 1], seed=0)
    >>> grid_region_count(net, (-1, 1, -1, 1), resolution=10) <= fl.n_regions(net, (-1, 1, -1, 1))
    True
    """
    from .patterns import activation_patterns

    spec = read_net(net)
    the_plane, box = window(spec, box, plane, "grid_region_count")
    resolution = check_int(resolution, "resolution", min=1)
    per_point = 8.0 * (2 * spec.d_in + 2) + 17.0 * sum(spec.units) + 8.0 * spec.d_out
    check_memory(
        resolution**2 * per_point, f"the patterns of a {resolution} x {resolution} grid", driver="lower resolution="
    )
    points = grid_points(box, resolution)
    inputs = the_plane.to_input(points) if the_plane is not None else torch.from_numpy(points)
    bits = activation_patterns(spec, inputs).numpy()
    return len(np.unique(np.packbits(bits, axis=1), axis=0))


# --- along a segment -------------------------------------------------------------------------------

@shared_docs
def n_regions_along(net: Net, x1: ArrayLike, x2: ArrayLike) -> int:
    """Number of activation regions the segment ``x1 -> x2`` passes through, exactly.

    This is ``len(fl.walk(net, x1, x2))``: the exact walk along the segment visits every region once.

    Parameters
    ----------
    %(net)s
    x1, x2 : Tensor or array, shape (d_in,)

    Examples
    --------
    >>> import foldlab as fl
    >>> fl.n_regions_along(fl.mlp([2, 8, 1], seed=0), [-1.0, 0.0], [1.0, 0.0])
    3

    References
    ----------
    Lewandowski et al., "The Space Between: On Folding, Symmetries and Sampling" (2025), section 4 and
    Figure 2 (a walk visits each region on the segment once); foldlab's maths page (docs/maths.md),
    sections "Walks along a segment" and "Counting regions".
    """
    from .walk import walk

    return len(walk(net, x1, x2))


def hanin_rolnick_density(n_neurons: int) -> float:
    """``#neurons^2 / 2``: Hanin and Rolnick's scale for regions per unit area in a 2D slice.

    Their Theorem 5 bounds the expected number of activation regions in a cube of side ``delta`` (in
    ``n_in`` dimensions) by ``(T #neurons)^n_in / n_in!`` times its volume, ``T`` depending on the
    bounds on gradients and bias densities; experiments at initialisation put the 2D density near
    ``#neurons^2 / 2`` (``T`` about 1, for their input scale and He initialisation). Compare measured
    densities with it, not for equality: ``T`` changes with the scale of the inputs and the init.

    Examples
    --------
    >>> hanin_rolnick_density(96)
    4608.0

    ``n_neurons`` is an int from 0 to ``2**53`` (a float holds its square).

    References
    ----------
    Hanin and Rolnick, "Deep ReLU Networks Have Surprisingly Few Activation Patterns" (NeurIPS
    2019), Theorem 5 and figure 4.
    """
    n_neurons = check_int(n_neurons, "n_neurons", min=0, max=2**53)
    return float(n_neurons) ** 2 / 2


@dataclass(frozen=True, eq=False)
class RegionCounts:
    """Exact region counts of a net through training.

    Attributes
    ----------
    epochs : ndarray, shape (k,)
    counts : ndarray, shape (k,)
        Activation regions in the box at each epoch.
    area : float
        The box's area.
    n_neurons : int
        Hidden units of the net.
    """

    epochs: np.ndarray
    counts: np.ndarray
    area: float
    n_neurons: int

    @property
    def density(self) -> np.ndarray:
        """Regions per unit area, shape (k,)."""
        return self.counts / self.area

    @property
    def reference(self) -> float:
        """Hanin and Rolnick's ``#neurons^2 / 2`` regions per unit area."""
        return hanin_rolnick_density(self.n_neurons)

    def plot(self, ax: Axes | None = None) -> RegionCountArtists:
        """Density against epoch with the reference line; see :func:`foldlab.plotting.plot_region_counts`."""
        from .plotting import plot_region_counts

        return plot_region_counts(self, ax=ax)

    def __repr__(self) -> str:
        return (
            f"RegionCounts(epochs={len(self.epochs)}, first={int(self.counts[0])}, last={int(self.counts[-1])}, "
            f"density={self.density[-1]:.4g}/area, neurons^2/2={self.reference:.4g})"
        )


def _as_epochs(epochs) -> np.ndarray:
    """One number per snapshot, shape (k,): ints stay ints, NaN, inf, bools and strings are refused."""
    if isinstance(epochs, (str, bytes)) or np.ndim(epochs) != 1:
        raise TypeError(f"epochs must be a sequence of numbers, one per snapshot, got {describe(epochs)}")
    kind = np.asarray(epochs).dtype.kind
    if kind == "b":
        raise TypeError(f"epochs must be numbers, got booleans {describe(epochs)}")
    values = as_points(epochs, "epochs", allow_empty=True).reshape(-1)
    return values.astype(np.int64) if kind in "iu" else values


def _snapshots_and_epochs(snapshots, epochs) -> tuple[list, np.ndarray]:
    """The nets of a training run as a list, and the epoch of each (see :func:`regions_over_training`)."""
    history_epochs = getattr(snapshots, "epochs", None) if hasattr(snapshots, "snapshots") else None
    snapshots = getattr(snapshots, "snapshots", snapshots)
    if isinstance(snapshots, (nn.Module, str, bytes)) or not isinstance(snapshots, Iterable):
        raise TypeError(
            f"snapshots must be a sequence of nets or a TrainHistory (train(..., keep_snapshots=True)), "
            f"got {describe(snapshots)}"
        )
    snapshots = list(snapshots)
    if not snapshots:
        raise ValueError(
            "no snapshots: pass train(..., keep_snapshots=True).snapshots (or the history itself)"
        )
    if epochs is None:
        if history_epochs is not None and history_epochs + 1 != len(snapshots):
            raise ValueError(
                f"the history has {history_epochs} epochs but {len(snapshots)} snapshots (expected one per epoch "
                f"and the initial net); pass epochs=, the epoch of each snapshot"
            )
        epochs = np.arange(len(snapshots))
    else:
        epochs = _as_epochs(epochs)
        if len(epochs) != len(snapshots):
            raise ValueError(
                f"epochs has {len(epochs)} entries, but there are {len(snapshots)} snapshots; pass one epoch per "
                f"snapshot"
            )
    return snapshots, np.asarray(epochs)


@shared_docs
def regions_over_training(
    snapshots: Sequence[Net] | HasSnapshots,
    box: Box | None = None,
    *,
    plane: PlanePoints | None = None,
    max_regions: int = MAX_REGIONS,
    epochs: Sequence[float] | None = None,
) -> RegionCounts:
    """Exact region counts in a box for each snapshot of a training run.

    Parameters
    ----------
    snapshots : sequence of nn.Module, or a TrainHistory
        ``train(..., keep_snapshots=True).snapshots`` (index 0: the initial net), or the history.
    %(window)s
    %(max_regions)s
    epochs : sequence of numbers, optional
        The epoch of each snapshot. A TrainHistory knows them (0 for the initial net, then one snapshot
        per epoch); for a plain list the default is 0, 1, 2, ..., which is right for a whole
        ``history.snapshots`` and wrong for a selection of it (pass ``epochs=`` then).

    Examples
    --------
    >>> import foldlab as fl
    >>> data = fl.toy_dataset("moons", n=100, seed=0)
    >>> history = fl.train(fl.mlp([2, 8, 8, 1], seed=0), data, epochs=2, keep_snapshots=True, progress=False)
    >>> counts = regions_over_training(history, box=(-2, 3, -2, 2))
    >>> counts.epochs.tolist(), counts.n_neurons
    ([0, 1, 2], 16)
    >>> regions_over_training(history.snapshots[::2], box=(-2, 3, -2, 2), epochs=[0, 2]).epochs.tolist()
    [0, 2]
    """
    snapshots, epochs = _snapshots_and_epochs(snapshots, epochs)
    counts = []
    area = None
    for net in snapshots:
        arr = arrangement(net, box, plane=plane, max_regions=max_regions)
        counts.append(len(arr))
        area = arr.area
    n_neurons = read_net(snapshots[0]).n_hidden
    return RegionCounts(np.asarray(epochs), np.array(counts), float(area), n_neurons)


@dataclass(frozen=True, eq=False)
class LineCounts:
    """Exact region counts along segments through training.

    Attributes
    ----------
    epochs : ndarray, shape (k,)
    counts : ndarray of int, shape (k, m)
        Activation regions the segment ``j`` passes through at epoch ``i`` (:func:`n_regions_along`).
    lengths : ndarray, shape (m,)
        The segments' lengths.
    """

    epochs: np.ndarray
    counts: np.ndarray
    lengths: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        """Mean regions per segment at each epoch, shape (k,)."""
        return self.counts.mean(axis=1)

    @property
    def density(self) -> np.ndarray:
        """Regions per unit length, pooled over the segments, at each epoch, shape (k,)."""
        return self.counts.sum(axis=1) / self.lengths.sum()

    def __repr__(self) -> str:
        return (f"LineCounts(epochs={len(self.epochs)}, segments={self.counts.shape[1]}, "
                f"first_mean={self.mean[0]:.4g}, last_mean={self.mean[-1]:.4g})")


def regions_along_over_training(
    snapshots: Sequence[Net] | HasSnapshots,
    starts: ArrayLike,
    ends: ArrayLike,
    *,
    epochs: Sequence[float] | None = None,
) -> LineCounts:
    """Exact region counts along segments ``starts[j] -> ends[j]`` for each snapshot of a training run.

    Each count is an exact walk (:func:`n_regions_along`), so regions too small for any sampling are
    counted; the segments may be in any input dimension.

    Parameters
    ----------
    snapshots : sequence of nn.Module, or a TrainHistory
        As for :func:`regions_over_training`.
    starts, ends : Tensor or array, shape (m, d_in)
        The segments' ends (for instance pairs of data points), at least one, none of length 0.
    epochs : sequence of numbers, optional
        As for :func:`regions_over_training`.

    Examples
    --------
    >>> import foldlab as fl
    >>> data = fl.toy_dataset("moons", n=100, seed=0)
    >>> history = fl.train(fl.mlp([2, 8, 8, 1], seed=0), data, epochs=2, keep_snapshots=True, progress=False)
    >>> lines = regions_along_over_training(history, data.X[:3], data.X[3:6])
    >>> lines.counts.shape
    (3, 3)
    >>> int(lines.counts[0, 0]) == fl.n_regions_along(history.snapshots[0], data.X[0], data.X[3])
    True

    References
    ----------
    Hanin and Rolnick, "Complexity of Linear Regions in Deep Networks" (ICML 2019), regions along 1D lines
    through training; Lewandowski et al., "The Space Between" (2025), section 4 (the exact walk).
    """
    snapshots, epochs = _snapshots_and_epochs(snapshots, epochs)
    d_in = read_net(snapshots[0]).d_in
    starts = as_points(starts, "starts", dim=d_in)
    ends = as_points(ends, "ends", dim=d_in)
    if starts.shape != ends.shape:
        raise ValueError(f"starts has {len(starts)} points and ends {len(ends)}; expected one end per start")
    lengths = np.linalg.norm(ends - starts, axis=1)
    if (lengths == 0).any():
        j = int(np.flatnonzero(lengths == 0)[0])
        raise ValueError(f"segment {j} has length 0 (starts[{j}] == ends[{j}]); expected distinct ends")
    from .walk import walks

    # one batched exact walk of all the segments per snapshot (the same regions as walk() one by one)
    counts = np.array([walks(net, starts, ends, keep_patterns=False).n_regions for net in snapshots],
                      dtype=np.int64)
    return LineCounts(epochs, counts, lengths)
