"""Linear regions: adjacent activation regions with equal affine maps, merged.

Reached through :meth:`foldlab.arrangement.Arrangement.linear_regions`. Also here: the scales an
arrangement's outputs are compared at (shared with the decision boundary).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from ._tolerances import AREA_RTOL, HOLE_RTOL, MAP_RTOL, SHARED_EDGE_SNAPS, SNAP_RTOL, SNAP_ULPS

__all__ = ["LinearRegion", "linear_regions", "output_scales", "snap_grid"]

#: Overlays run on polygons as they are when the box's largest coordinate is within ``2**±GEOMETRY_EXPONENT``.
GEOMETRY_EXPONENT = 40


@dataclass(frozen=True, eq=False)
class LinearRegion:
    """A maximal union of adjacent activation regions with the same affine map (maybe non-convex).

    Attributes
    ----------
    polygon : shapely.Polygon
    A : ndarray, shape (d_out, 2)
    c : ndarray, shape (d_out,)
    members : tuple of int
        Indices of the activation regions it is made of.
    """

    polygon: shapely.Polygon = field(repr=False)
    A: np.ndarray = field(repr=False)
    c: np.ndarray = field(repr=False)
    members: tuple[int, ...]

    @property
    def area(self) -> float:
        return float(self.polygon.area)

    def __repr__(self) -> str:
        return f"LinearRegion(area={self.area:.4g}, members={len(self.members)})"


def output_scales(arr) -> tuple[float, float]:
    """The box diameter and the size of the outputs over the box (for relative tolerances)."""
    xmin, xmax, ymin, ymax = arr.box
    diameter = float(np.hypot(xmax - xmin, ymax - ymin))
    outputs = arr.outputs_at_vertices()
    size = float(np.abs(outputs).max()) + float(np.abs(arr.A).max()) * diameter
    return diameter, max(size, np.finfo(float).tiny)


def snap_grid(arr) -> float:
    """A snapping grid for shapely's overlays: ``SNAP_RTOL`` of the box, well above the coordinates' ulp."""
    xmin, xmax, ymin, ymax = arr.box
    diameter = float(np.hypot(xmax - xmin, ymax - ymin))
    return max(SNAP_RTOL * diameter, SNAP_ULPS * max(abs(xmin), abs(xmax), abs(ymin), abs(ymax)))


def _union_find(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Component label of each of ``n`` items joined by the edges ``left[i] -- right[i]``."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def linear_regions(arr) -> tuple:
    """Adjacent activation regions with equal affine maps, merged into linear regions.

    Two activation regions are adjacent when their boundaries share a segment of positive length;
    their maps are equal when ``|A_i - A_j| * diameter + |N_i(x0) - N_j(x0)|`` (``x0`` the box centre)
    is below ``MAP_RTOL`` times the size of the outputs over the box. Linear regions are the
    connected components of "adjacent with an equal map"; they need not be convex.

    Returns
    -------
    tuple of LinearRegion
        Ordered by their first activation region.

    References
    ----------
    Hanin and Rolnick, "Complexity of Linear Regions in Deep Networks" (ICML 2019), section 2.
    """
    polygons = arr.polygons
    n = len(polygons)
    A, c = arr.A, arr.c
    if n == 1:
        return (LinearRegion(polygons[0], A[0], c[0], (0,)),)
    diameter, size = output_scales(arr)
    xmin, xmax, ymin, ymax = arr.box
    centre = np.array([(xmin + xmax) / 2, (ymin + ymax) / 2])
    at_centre = np.einsum("rok,k->ro", A, centre) + c
    # GEOS's snapping overlays overflow or lose their topology far from size 1: for boxes far from it, the
    # overlays below run on the polygons scaled by a power of two (exactly), and the unions are scaled back
    exponent = int(np.frexp(max(abs(xmin), abs(xmax), abs(ymin), abs(ymax)))[1])
    if abs(exponent) <= GEOMETRY_EXPONENT:
        exponent = 0
    else:
        polygons = shapely.transform(polygons, lambda xy: np.ldexp(xy, -exponent))

    # neighbours: within a snapping step (edges computed in different splits can be an ulp apart)
    grid = float(np.ldexp(snap_grid(arr), -exponent))
    tree = shapely.STRtree(polygons)
    left, right = tree.query(polygons, predicate="dwithin", distance=grid)
    keep = left < right
    left, right = left[keep], right[keep]
    gap = np.abs(A[left] - A[right]).max(axis=(1, 2)) * diameter + np.abs(at_centre[left] - at_centre[right]).max(
        axis=1
    )
    equal = gap <= MAP_RTOL * size
    left, right = left[equal], right[equal]
    # a shared edge, not just a shared corner: the boundaries overlap along a positive length
    boundaries = shapely.boundary(polygons)
    shared = shapely.length(shapely.intersection(boundaries[left], boundaries[right], grid_size=grid))
    touching = shared > SHARED_EDGE_SNAPS * grid
    label = _union_find(n, left[touching], right[touching])

    order = np.argsort(label, kind="stable")
    cuts = np.flatnonzero(np.diff(label[order])) + 1
    groups = np.split(order, cuts)
    groups.sort(key=lambda g: g[0])
    result = []
    for members in groups:
        if len(members) == 1:
            polygon = arr.polygons[members[0]]
        else:
            polygon = _union(polygons[members], float(np.ldexp(diameter, -exponent)), grid)
            if exponent:
                polygon = shapely.transform(polygon, lambda xy: np.ldexp(xy, exponent))
        result.append(LinearRegion(polygon, A[members[0]], c[members[0]], tuple(int(m) for m in members)))
    return tuple(result)


def _union(polygons: np.ndarray, diameter: float, grid: float):
    """The union of adjacent polygons as one Polygon, without the slivers rounding leaves between them.

    A plain union first; when rounding leaves the members apart (a MultiPolygon), a sliver hole or a
    wrong area, the coordinates are snapped to the grid (rounded down to a power of two, so that round
    numbers stay put).
    """
    union = shapely.union_all(polygons)
    # GEOS's floating overlay can go wrong on edges that coincide up to an ulp: check the area
    if union.geom_type != "Polygon" or abs(union.area - shapely.area(polygons).sum()) > AREA_RTOL * diameter**2:
        union = shapely.union_all(polygons, grid_size=2.0 ** np.floor(np.log2(grid)))
    if union.geom_type == "Polygon" and len(union.interiors):
        min_area = HOLE_RTOL * diameter**2
        holes = [h for h in union.interiors if shapely.Polygon(h).area > min_area]
        union = shapely.Polygon(union.exterior, holes)
    return union
