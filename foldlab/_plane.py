"""The window an arrangement looks through, and a net's layers as seen from it.

A window is a box in the input plane of a 2-input net, or a box in a plane through three inputs of any
dimension (:class:`Plane`, with orthonormal coordinates ``(u, v)``). Here: the default box, the plane
and its default box, the grid of points over a box (for counts by sampling), and the layers of a net
as float64 arrays, the first one seen from the plane.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ._tolerances import COINCIDE_RTOL, COLLINEAR_RTOL
from ._validation import as_box, as_points, check_int, describe, to_numpy
from .adapter import NetSpec
from .errors import NumericalRange
from .limits import check_memory

__all__ = ["DEFAULT_BOX", "Plane", "as_plane", "default_plane_box", "window", "layer_weights", "grid_points"]

#: The box of a 2-input net when none is given: ``(xmin, xmax, ymin, ymax)``.
DEFAULT_BOX = (-1.0, 1.0, -1.0, 1.0)
#: The margin around the three points of a plane in its default box, as a fraction of their spread.
PLANE_MARGIN = 0.25


@dataclass(frozen=True, eq=False)
class Plane:
    """The plane through three inputs, with orthonormal coordinates ``(u, v)``.

    ``x = origin + u * basis[0] + v * basis[1]``: ``origin`` is ``p0``, ``basis[0]`` points to ``p1``
    and ``basis[1]`` is the unit vector in the plane orthogonal to it, towards ``p2``. Lengths and
    areas in ``(u, v)`` are those of the input space.

    Attributes
    ----------
    origin : ndarray, shape (d,)
    basis : ndarray, shape (2, d)
    points : ndarray, shape (3, 2)
        ``(u, v)`` of ``p0``, ``p1``, ``p2``.
    """

    origin: np.ndarray
    basis: np.ndarray
    points: np.ndarray

    def to_input(self, uv) -> torch.Tensor:
        """Inputs ``(n, d)`` (float64) at plane coordinates ``uv`` of shape ``(n, 2)`` or ``(2,)``."""
        uv = as_points(uv, "uv", dim=2, allow_empty=True)
        return torch.from_numpy(self.origin + uv @ self.basis)

    def __repr__(self) -> str:
        return f"Plane(d={self.origin.shape[0]}, points={np.round(self.points, 4).tolist()})"


def as_plane(plane, d_in: int) -> Plane:
    """The :class:`Plane` through ``plane=(p0, p1, p2)``, three inputs of ``d_in`` numbers each."""
    if isinstance(plane, (str, bytes)) or not hasattr(plane, "__len__") or len(plane) != 3:
        raise TypeError(f"expected plane=(p0, p1, p2), three inputs of {d_in} numbers each, got {describe(plane)}")
    try:
        rows = [as_points(p, f"plane point p{i}").reshape(-1) for i, p in enumerate(plane)]
    except ValueError as error:
        raise ValueError(f"expected plane=(p0, p1, p2), three inputs of {d_in} numbers each: {error}") from None
    if any(len(r) != len(rows[0]) for r in rows):
        raise ValueError(
            f"expected plane=(p0, p1, p2), three inputs of {d_in} numbers each, got sizes {[len(r) for r in rows]}"
        )
    points = np.stack(rows)
    if points.shape != (3, d_in):
        raise ValueError(
            f"expected plane=(p0, p1, p2), three inputs of the net's input dimension {d_in}, "
            f"got shape {points.shape}"
        )
    p0, p1, p2 = points
    with np.errstate(over="ignore", invalid="ignore"):  # points too far apart are refused just below
        e1 = p1 - p0
        e2 = p2 - p0
        scale = max(np.linalg.norm(e1), np.linalg.norm(e2))
    if not np.isfinite(scale):
        raise ValueError(f"plane points are too far apart for float64 (distance {scale}); expected finite distances")
    if scale == 0 or np.linalg.norm(e1) <= COINCIDE_RTOL * scale:
        raise ValueError("plane points p0 and p1 coincide; expected three points spanning a plane")
    e1 = e1 / np.linalg.norm(e1)
    e2 = e2 - (e2 @ e1) * e1
    if np.linalg.norm(e2) <= COLLINEAR_RTOL * scale:
        raise ValueError("plane points are collinear; expected three points spanning a plane")
    e2 = e2 / np.linalg.norm(e2)
    basis = np.stack([e1, e2])
    return Plane(p0, basis, (points - p0) @ basis.T)


def default_plane_box(plane: Plane, margin: float = PLANE_MARGIN) -> tuple[float, float, float, float]:
    """The box around the plane's three points, with ``margin`` times their spread on every side."""
    lo, hi = plane.points.min(axis=0), plane.points.max(axis=0)
    pad = margin * float((hi - lo).max())
    return (float(lo[0] - pad), float(hi[0] + pad), float(lo[1] - pad), float(hi[1] + pad))


def window(spec: NetSpec, box, plane, what: str) -> tuple[Plane | None, tuple[float, float, float, float]]:
    """The plane (None for a 2-input net without ``plane=``) and the box, checked, for ``what``."""
    if plane is None:
        if spec.d_in != 2:
            raise ValueError(
                f"{what}(net, box=...) needs a net with 2 inputs, this one has {spec.d_in}; "
                f"pass plane=(p0, p1, p2), three inputs spanning the plane to analyse"
            )
        return None, as_box(DEFAULT_BOX if box is None else box)
    the_plane = as_plane(plane, spec.d_in)
    return the_plane, (default_plane_box(the_plane) if box is None else as_box(box))


def layer_weights(spec: NetSpec, plane: Plane | None, index: int) -> tuple[np.ndarray, np.ndarray]:
    """Hidden layer ``index``'s weight (n, n_prev) and bias (n,), float64; the first seen from the plane."""
    affine = spec.layers[index].affine
    weight, bias = affine.weight, affine.bias
    if weight.is_cpu:  # the snapshot's tensors never require grad: their arrays are views
        weight, bias = weight.numpy(), bias.numpy()
    else:
        weight, bias = to_numpy(weight), to_numpy(bias)
    if index == 0 and plane is not None:
        # the first layer seen from the plane: z = W (origin + u e1 + v e2) + b
        with np.errstate(over="ignore", invalid="ignore"):
            weight, bias = weight @ plane.basis.T, weight @ plane.origin + bias
        if not (np.isfinite(weight).all() and np.isfinite(bias).all()):
            raise NumericalRange(
                f"the first layer's pre-activations at the plane's origin p0 (of size "
                f"{float(np.abs(plane.origin).max()):.3g}) pass float64's largest number; expected smaller inputs "
                f"or weights"
            )
    return weight, bias


def grid_points(box, resolution: int) -> np.ndarray:
    """The centres of a ``resolution x resolution`` grid of cells over the box, shape (resolution^2, 2).

    Raises :class:`foldlab.OverBudget` when the points alone would pass
    :data:`foldlab.limits.MEMORY_BUDGET`.

    Examples
    --------
    >>> grid_points((0, 2, 0, 1), 2)
    array([[0.5 , 0.25],
           [1.5 , 0.25],
           [0.5 , 0.75],
           [1.5 , 0.75]])
    """
    resolution = check_int(resolution, "resolution", min=1)
    xmin, xmax, ymin, ymax = as_box(box)
    check_memory(16.0 * resolution**2, f"a {resolution} x {resolution} grid of points", driver="lower resolution=")
    xs = xmin + (np.arange(resolution) + 0.5) * (xmax - xmin) / resolution
    ys = ymin + (np.arange(resolution) + 0.5) * (ymax - ymin) / resolution
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)
