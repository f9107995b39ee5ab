"""The window of an arrangement and what the engine needs from a net.

A window is a box in the plane of a 2-input net, or a box in a plane through three inputs of any
dimension (:class:`Plane`, with orthonormal coordinates). Also here: the checks that a net is piecewise
linear, its layers as float64 numpy arrays (the first one seen from the plane), and the BLAS thread
setting the engine runs under.
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass

import numpy as np
import torch

from ._validation import as_box, check_int, to_numpy
from .adapter import NetSpec

__all__ = ["Plane", "grid_points"]


@functools.lru_cache(maxsize=1)
def _thread_controller():
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return None
    return ThreadpoolController()


def single_threaded_blas():
    """The products here are small: a BLAS thread pool costs more than it saves (10x on 2 cores)."""
    controller = _thread_controller()
    if controller is None:  # pragma: no cover
        return contextlib.nullcontext()
    return controller.limit(limits=1, user_api="blas")


#: OpenBLAS computes products with fewer multiply-adds than this in one thread anyway.
BLAS_THREADED_FROM = 1 << 18


def single_threaded_blas_for(m: int, k: int, n: int):
    """:func:`single_threaded_blas` for an (m, k) @ (k, n) product big enough to be threaded.

    Setting the limit and restoring it costs about 50 us, more than a small net's whole layer.
    """
    return single_threaded_blas() if m * k * n >= BLAS_THREADED_FROM else contextlib.nullcontext()


# --- inputs ----------------------------------------------------------------------------------------

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
        """Inputs ``(n, d)`` (float64) at plane coordinates ``uv`` of shape ``(n, 2)``."""
        uv = np.atleast_2d(np.asarray(uv, dtype=np.float64))
        return torch.from_numpy(self.origin + uv @ self.basis)

    def __repr__(self) -> str:
        return f"Plane(d={self.origin.shape[0]}, points={np.round(self.points, 4).tolist()})"


def as_plane(plane, d_in: int) -> Plane:
    try:
        points = np.stack([np.asarray(torch.as_tensor(p).detach().cpu(), dtype=np.float64).ravel() for p in plane])
    except (TypeError, ValueError, RuntimeError) as error:
        raise TypeError(f"expected plane=(p0, p1, p2), three inputs of {d_in} numbers each: {error}") from None
    if points.shape != (3, d_in):
        raise ValueError(
            f"expected plane=(p0, p1, p2), three inputs of the net's input dimension {d_in}, "
            f"got shape {points.shape}"
        )
    if not np.isfinite(points).all():
        raise ValueError("plane points contain NaN or inf; expected finite inputs")
    p0, p1, p2 = points
    e1 = p1 - p0
    e2 = p2 - p0
    scale = max(np.linalg.norm(e1), np.linalg.norm(e2))
    if scale == 0 or np.linalg.norm(e1) <= 1e-12 * scale:
        raise ValueError("plane points p0 and p1 coincide; expected three points spanning a plane")
    e1 = e1 / np.linalg.norm(e1)
    e2 = e2 - (e2 @ e1) * e1
    if np.linalg.norm(e2) <= 1e-9 * scale:
        raise ValueError("plane points are collinear; expected three points spanning a plane")
    e2 = e2 / np.linalg.norm(e2)
    basis = np.stack([e1, e2])
    return Plane(p0, basis, (points - p0) @ basis.T)


def default_plane_box(plane: Plane, margin: float = 0.25) -> tuple[float, float, float, float]:
    lo, hi = plane.points.min(axis=0), plane.points.max(axis=0)
    pad = margin * float((hi - lo).max())
    return (float(lo[0] - pad), float(hi[0] + pad), float(lo[1] - pad), float(hi[1] + pad))


def layer_weights(spec: NetSpec, plane: Plane | None, index: int) -> tuple[np.ndarray, np.ndarray]:
    affine = spec.layers[index].affine
    weight, bias = to_numpy(affine.weight), to_numpy(affine.bias)
    if index == 0 and plane is not None:
        # the first layer seen from the plane: z = W (origin + u e1 + v e2) + b
        weight, bias = weight @ plane.basis.T, weight @ plane.origin + bias
    return weight, bias


def grid_points(box, resolution: int) -> np.ndarray:
    """The centres of a ``resolution x resolution`` grid of cells over the box, shape (resolution^2, 2).

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
    xs = xmin + (np.arange(resolution) + 0.5) * (xmax - xmin) / resolution
    ys = ymin + (np.arange(resolution) + 0.5) * (ymax - ymin) / resolution
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)
