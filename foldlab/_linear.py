"""What an arrangement's affine maps give: linear regions and the decision boundary.

Both work on :class:`foldlab.arrangement.Arrangement` and are reached through its methods.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from . import _refine

__all__ = ["LinearRegion", "linear_regions", "decision_boundary", "MAP_RTOL"]

#: Two affine maps on adjacent regions are equal when they differ by less than this, relative to the
#: size of the outputs over the box.
MAP_RTOL = 1e-9



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




def _scales(arr) -> tuple[float, float]:
    """The box diameter and the size of the outputs over the box (for relative tolerances)."""
    xmin, xmax, ymin, ymax = arr.box
    diameter = float(np.hypot(xmax - xmin, ymax - ymin))
    outputs = arr.outputs_at_vertices()
    size = float(np.abs(outputs).max()) + float(np.abs(arr.A).max()) * diameter
    return diameter, max(size, np.finfo(float).tiny)


def _grid(arr) -> float:
    """A snapping grid for shapely's overlays: 1e-9 of the box, and well above the coordinates' ulp."""
    xmin, xmax, ymin, ymax = arr.box
    diameter = float(np.hypot(xmax - xmin, ymax - ymin))
    return max(1e-9 * diameter, 1e-12 * max(abs(xmin), abs(xmax), abs(ymin), abs(ymax)))


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
    diameter, size = _scales(arr)
    xmin, xmax, ymin, ymax = arr.box
    centre = np.array([(xmin + xmax) / 2, (ymin + ymax) / 2])
    at_centre = np.einsum("rok,k->ro", A, centre) + c

    tree = shapely.STRtree(polygons)
    left, right = tree.query(polygons, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    gap = np.abs(A[left] - A[right]).max(axis=(1, 2)) * diameter + np.abs(at_centre[left] - at_centre[right]).max(
        axis=1
    )
    equal = gap <= MAP_RTOL * size
    left, right = left[equal], right[equal]
    # a shared edge, not just a shared corner: the boundaries overlap along a positive length
    grid = _grid(arr)
    boundaries = shapely.boundary(polygons)
    shared = shapely.length(shapely.intersection(boundaries[left], boundaries[right], grid_size=grid))
    touching = shared > 100 * grid
    label = _union_find(n, left[touching], right[touching])

    order = np.argsort(label, kind="stable")
    cuts = np.flatnonzero(np.diff(label[order])) + 1
    groups = np.split(order, cuts)
    groups.sort(key=lambda g: g[0])
    result = []
    for members in groups:
        polygon = polygons[members[0]] if len(members) == 1 else _union(polygons[members], diameter, grid)
        result.append(LinearRegion(polygon, A[members[0]], c[members[0]], tuple(int(m) for m in members)))
    return tuple(result)


def _union(polygons: np.ndarray, diameter: float, grid: float):
    """The union of adjacent polygons as one Polygon, without the slivers rounding leaves between them.

    A plain union first; when rounding leaves the members apart (a MultiPolygon), a sliver hole or a
    wrong area, the coordinates are snapped to a grid of about ``1e-9`` of the box (a power of two, so that round
    numbers stay put).
    """
    union = shapely.union_all(polygons)
    # GEOS's floating overlay can go wrong on edges that coincide up to an ulp: check the area
    if union.geom_type != "Polygon" or abs(union.area - shapely.area(polygons).sum()) > 1e-9 * diameter**2:
        union = shapely.union_all(polygons, grid_size=2.0 ** np.floor(np.log2(grid)))
    if union.geom_type == "Polygon" and len(union.interiors):
        min_area = 1e-12 * diameter**2
        holes = [h for h in union.interiors if shapely.Polygon(h).area > min_area]
        union = shapely.Polygon(union.exterior, holes)
    return union


def _region_of_vertex(start: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(len(start) - 1), np.diff(start))


def _dedupe(segments: np.ndarray, grid: float) -> np.ndarray:
    """Drop repeated segments (the same edge seen from both sides); each from its left end, in order."""
    if len(segments) == 0:
        return segments.reshape(0, 2, 2)
    a, b = segments[:, 0], segments[:, 1]
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    canon = np.where(swap[:, None, None], segments[:, ::-1], segments)
    keys = np.round(canon.reshape(len(canon), 4) / grid).astype(np.int64)
    _, first = np.unique(keys, axis=0, return_index=True)  # also sorts them, from left to right
    return canon[first]


def decision_boundary(arr) -> np.ndarray:
    """The decision boundary of the net in the box, as line segments.

    One output: the boundary of ``{N > 0}`` (a point is class 1 when ``N(x) > 0``, as in
    :func:`foldlab.train`). Several outputs: where the argmax changes, ties going to the lower class as
    in ``torch.argmax``. Inside each region the outputs are affine, so the boundary there is made of
    straight pieces: for one output the segment where ``N = 0`` crosses the region, or an edge of the
    region on which ``N = 0`` next to a region where ``N > 0``; for ``k`` outputs the region is cut into
    the cells where each class wins and the edges between cells of different classes are kept.

    Returns
    -------
    ndarray, shape (k, 2, 2)
        Segments ``[[x0, y0], [x1, y1]]`` in box (or plane) coordinates; empty when no class changes.
    """
    if not arr.complete:
        raise ValueError(
            f"decision_boundary needs the whole net; this arrangement stops after hidden layer {arr.depth - 1} "
            f"(made by upto)"
        )
    level = arr.levels[-1]
    xy, start = level.xy, level.start
    A, _, value = arr._affine
    d_out = A.shape[1]
    diameter, size = _scales(arr)
    tol = _refine.RTOL * size
    grid = _grid(arr)

    def values(xy, start, region, w):
        """``w . N`` at the vertices, ``w`` of shape (d_out,), snapped to 0 within ``tol``."""
        r = region[_region_of_vertex(start)]
        d = xy - level.centre[r]
        v = value[r] @ w + np.einsum("vk,vk->v", d, A[r].swapaxes(1, 2) @ w)
        v[np.abs(v) <= tol] = 0.0
        return v

    region = np.arange(len(level))
    if d_out == 1:
        sv = values(xy, start, region, np.ones(1))
        hi = np.maximum.reduceat(sv, start[:-1])
        segments, _ = _refine.chords(xy, sv, start)
        edges, owner = _refine.zero_edges(xy, sv, start)
        edges = edges[hi[owner] > 0]  # an edge where N = 0 bounds {N > 0} when N > 0 next to it
        return _dedupe(np.concatenate([segments, edges]), grid)

    pieces = []
    eye = np.eye(d_out)
    for k in range(d_out):
        cxy, cstart, cregion = xy, start, region
        for j in range(d_out):
            if j == k or len(cregion) == 0:
                continue
            sv = values(cxy, cstart, cregion, eye[k] - eye[j])
            # class k loses ties to lower classes: drop cells where N_k = N_j everywhere and j < k
            cxy, cstart, index = _refine.clip(cxy, sv, cstart, keep_zero=j > k)
            cregion = cregion[index]
        if len(cregion) == 0:
            continue
        for j in range(k + 1, d_out):
            sv = values(cxy, cstart, cregion, eye[k] - eye[j])
            edges, owner = _refine.zero_edges(cxy, sv, cstart)
            hi = np.maximum.reduceat(sv, cstart[:-1])
            pieces.append(edges[hi[owner] > 0])  # not where N_k = N_j on the whole cell
    if not pieces:
        return np.zeros((0, 2, 2))
    return _dedupe(np.concatenate(pieces), grid)
