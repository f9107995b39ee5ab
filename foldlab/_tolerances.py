"""Every tolerance of the exact 2D arrangement, named once.

All of them are relative: to the size of the terms a value is made of, to the box, or to the outputs
over the box, so that scaling the box or the weights by a power of two changes no decision. See
foldlab's maths page (docs/maths.md), section "Floating point and exactness".
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "RTOL",
    "REACH_SLACK",
    "GAMMA",
    "MAP_RTOL",
    "SNAP_RTOL",
    "SNAP_ULPS",
    "SHARED_EDGE_SNAPS",
    "AREA_RTOL",
    "HOLE_RTOL",
    "PARALLEL_RTOL",
    "COINCIDE_RTOL",
    "COLLINEAR_RTOL",
    "MIN_RELATIVE_SIDE",
]

#: A pre-activation within ``RTOL`` of the size of its terms (``sum_k |W_jk| hmax_k + |b_j|``) counts as
#: exactly 0: the vertex is on the neuron's line. Rounding errors are about 1e-16 of that size.
RTOL = 1e-9
#: The candidate test widens each region's bounding circle by this fraction, for the rounding of its
#: radius.
REACH_SLACK = 1e-9
#: Relative rounding of an affine evaluation ``a x + b y + k`` against ``|a| |x| + |b| |y| + |k|`` (a few
#: units of roundoff, with room to spare): signs certified above it are exact.
GAMMA = 16 * np.finfo(np.float64).eps
#: Two affine maps on adjacent regions are equal when they differ by less than this, relative to the size
#: of the outputs over the box.
MAP_RTOL = 1e-9
#: shapely's overlays snap to a grid of this fraction of the box diameter ...
SNAP_RTOL = 1e-9
#: ... and of at least this fraction of the largest coordinate (well above its ulp).
SNAP_ULPS = 1e-12
#: Two regions share an edge (not just a corner) when their boundaries overlap along more than this many
#: snapping grid steps.
SHARED_EDGE_SNAPS = 100
#: A union of regions is checked against the sum of their areas to this fraction of the box diameter
#: squared (GEOS's floating overlay can go wrong on edges that coincide up to an ulp).
AREA_RTOL = 1e-9
#: Holes smaller than this fraction of the box diameter squared are rounding slivers, not holes.
HOLE_RTOL = 1e-12
#: Two first-layer lines are parallel when the determinant of their normals is below this fraction of
#: the product of the normals' sizes.
PARALLEL_RTOL = 1e-12
#: Plane points closer than this fraction of the plane's size coincide ...
COINCIDE_RTOL = 1e-12
#: ... and three points within this fraction of a line are collinear.
COLLINEAR_RTOL = 1e-9
#: A box side shorter than this fraction of the box's distance from the origin is refused: the tolerance,
#: relative to the size of the coordinates, would blur features of a thousandth of the box.
MIN_RELATIVE_SIDE = 1e-6
