"""Counting regions: in a box, along a segment, per unit area, over training, and the one-layer formula.

The counts in a box come from the exact arrangement (:func:`foldlab.arrangement`), the counts along a
segment from the exact walk (:func:`foldlab.walk`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ._plane import as_plane, default_plane_box, grid_points
from ._validation import as_points, describe, to_numpy
from .adapter import read_net
from .arrangement import MAX_REGIONS, arrangement

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
]


def n_regions(net: nn.Module, box=None, *, plane=None, max_regions: int = MAX_REGIONS) -> int:
    """Number of activation regions of ``net`` in a 2D box (or in a plane), exactly.

    Examples
    --------
    >>> import foldlab as fl
    >>> fl.n_regions(fl.mlp([2, 8, 1], seed=0), box=(-1, 1, -1, 1))
    8
    """
    return len(arrangement(net, box, plane=plane, max_regions=max_regions))


def region_density(net: nn.Module, box=None, *, plane=None, max_regions: int = MAX_REGIONS) -> float:
    """Activation regions per unit area of the box (plane coordinates are orthonormal, see ``Plane``).

    Examples
    --------
    >>> import foldlab as fl
    >>> fl.region_density(fl.mlp([2, 8, 1], seed=0), box=(-1, 1, -1, 1))
    2.0
    """
    return arrangement(net, box, plane=plane, max_regions=max_regions).density


def one_layer_regions(n: int, r: int) -> int:
    """``f(n, r) = sum_{i <= r} C(n, i)``: regions of ``n`` hyperplanes in general position in ``R^r``.

    One hidden layer of ``n`` neurons whose weight matrix has rank ``r`` (input dimension ``r``) cuts
    its input space into this many activation regions when its hyperplanes are in general position
    (Zaslavsky's theorem; ``f(n, n) = 2^n``, ``f(n, 1) = n + 1``, ``f(n+1, r+1) = f(n, r+1) + f(n, r)``).

    Examples
    --------
    >>> one_layer_regions(8, 2), one_layer_regions(3, 3), one_layer_regions(5, 1)
    (37, 8, 6)

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", section 7.1, eqs. 59-61;
    Zaslavsky, "Facing up to arrangements" (1975).
    """
    for name, v in (("n", n), ("r", r)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"{name} must be an int >= 0, got {v!r}")
    return sum(math.comb(int(n), i) for i in range(min(int(n), int(r)) + 1))


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
    if spec.d_in != 2:
        raise ValueError(f"first_layer_box needs a net with 2 inputs, this one has {spec.d_in}")
    spec.check_piecewise_linear("first_layer_box")
    W, b = to_numpy(spec.layers[0].affine.weight), to_numpy(spec.layers[0].affine.bias)
    i, j = np.triu_indices(len(W), k=1)
    det = W[i, 0] * W[j, 1] - W[i, 1] * W[j, 0]
    ok = np.abs(det) > 1e-12 * (np.abs(W[i]).sum(1) * np.abs(W[j]).sum(1) + 1e-300)
    i, j, det = i[ok], j[ok], det[ok]
    # W_i . x = -b_i and W_j . x = -b_j
    x = (-b[i] * W[j, 1] + b[j] * W[i, 1]) / det
    y = (-W[i, 0] * b[j] + W[j, 0] * b[i]) / det
    # and the point of each line nearest the origin, so that the box meets lines that cross no other
    feet = -b[:, None] * W / np.maximum((W**2).sum(axis=1, keepdims=True), 1e-300)
    feet = feet[np.abs(W).sum(axis=1) > 0]
    points = np.concatenate([np.stack([x, y], axis=1), feet, np.zeros((1, 2))])
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = max(margin * float((hi - lo).max()), 1.0)
    return (float(lo[0] - pad), float(hi[0] + pad), float(lo[1] - pad), float(hi[1] + pad))


def grid_region_count(net: nn.Module, box=None, resolution: int = 100, *, plane=None) -> int:
    """Number of distinct activation patterns a ``resolution x resolution`` grid finds (a lower bound).

    This is what counting regions by sampling gives; compare with :func:`n_regions`, which is exact.

    Examples
    --------
    >>> import foldlab as fl
    >>> net = fl.mlp([2, 16, 16, 1], seed=0)
    >>> grid_region_count(net, (-1, 1, -1, 1), resolution=10) <= fl.n_regions(net, (-1, 1, -1, 1))
    True
    """
    from .patterns import activation_patterns

    if plane is not None:
        spec = read_net(net)
        the_plane = as_plane(plane, spec.d_in)
        box = default_plane_box(the_plane) if box is None else box
        inputs = the_plane.to_input(grid_points(box, resolution))
    else:
        box = (-1.0, 1.0, -1.0, 1.0) if box is None else box
        inputs = torch.as_tensor(grid_points(box, resolution))
    bits = activation_patterns(net, inputs).numpy()
    return len(np.unique(np.packbits(bits, axis=1), axis=0))


# --- along a segment -------------------------------------------------------------------------------

def n_regions_along(net: nn.Module, x1, x2) -> int:
    """Number of activation regions the segment ``x1 -> x2`` passes through, exactly.

    This is ``len(fl.walk(net, x1, x2))``: the exact walk along the segment visits every region once.

    Parameters
    ----------
    net : nn.Module
    x1, x2 : Tensor or array, shape (d_in,)

    Examples
    --------
    >>> import foldlab as fl
    >>> fl.n_regions_along(fl.mlp([2, 8, 1], seed=0), [-1.0, 0.0], [1.0, 0.0])
    3

    References
    ----------
    DESIGN.md sections 3 and 7 (counts along lines come from the walk).
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

    References
    ----------
    Hanin and Rolnick, "Deep ReLU Networks Have Surprisingly Few Activation Patterns" (NeurIPS
    2019), Theorem 5 and figure 4.
    """
    return n_neurons**2 / 2


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

    def plot(self, ax=None):
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


def regions_over_training(
    snapshots: Sequence[nn.Module],
    box=None,
    *,
    plane=None,
    max_regions: int = MAX_REGIONS,
    epochs: Sequence[float] | None = None,
) -> RegionCounts:
    """Exact region counts in a box for each snapshot of a training run.

    Parameters
    ----------
    snapshots : sequence of nn.Module, or a TrainHistory
        ``train(..., keep_snapshots=True).snapshots`` (index 0: the initial net), or the history.
    box, plane : as for :func:`foldlab.arrangement`
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
    history_epochs = getattr(snapshots, "epochs", None) if hasattr(snapshots, "snapshots") else None
    snapshots = list(getattr(snapshots, "snapshots", snapshots))
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
    counts = []
    area = None
    for net in snapshots:
        arr = arrangement(net, box, plane=plane, max_regions=max_regions)
        counts.append(len(arr))
        area = arr.area
    n_neurons = read_net(snapshots[0]).n_hidden
    return RegionCounts(np.asarray(epochs), np.array(counts), float(area), n_neurons)
