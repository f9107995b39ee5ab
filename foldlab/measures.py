"""Space-folding measures on paths of activation patterns.

For a path ``Gamma = (pi_1, ..., pi_n)`` of activation patterns (the regions a straight segment crosses,
from :func:`foldlab.walk`):

- ``r1 = max_i d_H(pi_1, pi_i)``: how far the path ever got from its start;
- ``r2 = sum_i d_H(pi_i, pi_i+1)``: how far it travelled;
- ``chi = 1 - r1 / r2`` (0 when ``r2 = 0``): 0 for a Hamming geodesic, towards 1 as the path folds back.

Every function takes patterns as a bool (or 0/1) tensor or array of shape (n, m), or a :class:`Walk`.
The properties of chi, with proofs, are in foldlab's maths page (docs/maths.md), section 'Folding measures'.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import torch

from ._typing import ArrayLike
from .patterns import as_patterns

__all__ = [
    "range_metrics",
    "chi",
    "running_chi",
    "symmetric_chi",
    "interaction_coefficient",
    "chi_bounds",
]


class HasPatterns(Protocol):
    """A path that carries its patterns, such as a :class:`foldlab.walk.Walk` (read as ``walk.patterns``)."""

    @property
    def patterns(self) -> torch.Tensor: ...


#: A path of activation patterns: bits of shape (n, m), or a walk that carries them.
PatternPath = ArrayLike | HasPatterns


def _path(patterns: PatternPath) -> torch.Tensor:
    if hasattr(patterns, "offsets") and hasattr(patterns, "chis"):  # a foldlab.walk.Walks
        raise TypeError(
            f"expected one path of patterns, got the walks of {len(patterns)} segments; their chis are "
            f"walks.chis, and walks[i] is the walk of segment i"
        )
    p = as_patterns(getattr(patterns, "patterns", patterns))
    if p.ndim != 2:
        raise ValueError(f"expected a path of patterns of shape (n, m), got shape {tuple(p.shape)}")
    if p.shape[0] == 0:
        raise ValueError("expected a path with at least one pattern, got an empty one")
    return p


def range_metrics(patterns: PatternPath) -> tuple[int, int]:
    """The range metrics ``(r1, r2)`` of a path.

    Parameters
    ----------
    patterns : Tensor, array or Walk, shape (n, m)

    Returns
    -------
    r1 : int
        ``max_i d_H(pi_1, pi_i)``.
    r2 : int
        ``sum_i d_H(pi_i, pi_i+1)``.

    Examples
    --------
    >>> range_metrics([[0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 1]])
    (1, 3)

    References
    ----------
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025, arXiv:2502.09954): the range metrics,
    Figure 4; foldlab's maths page (docs/maths.md), section 'Folding measures'.
    """
    p = _path(patterns)
    r1 = int((p != p[:1]).sum(1).max())
    r2 = int((p[1:] != p[:-1]).sum())
    return r1, r2


def chi(patterns: PatternPath) -> float:
    """The space-folding measure ``chi = 1 - r1 / r2`` of a path, 0 when ``r2 = 0``.

    Examples
    --------
    >>> chi([[0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 1]])  # the worked example of docs/maths.md
    0.6666666666666667
    >>> chi([[0, 0, 1], [0, 0, 0], [1, 0, 0], [0, 0, 0]])  # the reverse
    0.33333333333333337

    References
    ----------
    Lewandowski et al., "On Space Folds of ReLU Neural Networks" (TMLR 2025, arXiv:2502.09954): the space folding
    measure, Figure 4; Lewandowski et al., "The Space Between: On Folding, Symmetries and Sampling" (arXiv:2503.08502,
    2025): chi on equivalence classes, Proposition 4.1 (Stability) and Proposition 4.2 (Flatness); foldlab's maths
    page (docs/maths.md), section 'Folding measures'.
    """
    r1, r2 = range_metrics(patterns)
    return 0.0 if r2 == 0 else 1.0 - r1 / r2


def running_chi(patterns: PatternPath) -> np.ndarray:
    """chi of every prefix ``(pi_1, ..., pi_i)``, shape (n,) (the curves plotted in the papers).

    Examples
    --------
    >>> running_chi([[0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 1]])
    array([0.        , 0.        , 0.5       , 0.66666667])

    References
    ----------
    foldlab's maths page (docs/maths.md), section 'Folding measures'.
    """
    p = _path(patterns)
    r1 = np.maximum.accumulate((p != p[:1]).sum(1).numpy())
    r2 = np.concatenate([[0], np.cumsum((p[1:] != p[:-1]).sum(1).numpy())])
    out = np.zeros(len(r1))
    moved = r2 > 0
    out[moved] = 1.0 - r1[moved] / r2[moved]
    return out


def symmetric_chi(patterns: PatternPath) -> float:
    """``(chi(Gamma) + chi(reverse Gamma)) / 2``: chi with the direction of travel averaged out.

    chi depends on where the walk starts ("The Space Between", Remark 4.3, Asymmetry); the papers
    remark on this but fix no symmetrised form, so this average is foldlab's choice. It is 0 exactly when
    chi is (Corollary 4.4 there, Flatness Invariance: chi = 0 iff chi(reverse) = 0).

    Examples
    --------
    >>> symmetric_chi([[0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 1]])
    0.5

    References
    ----------
    Lewandowski et al., "The Space Between: On Folding, Symmetries and Sampling" (arXiv:2503.08502, 2025), Remark 4.3
    and Corollary 4.4; foldlab's maths page (docs/maths.md), section 'Folding measures'.
    """
    p = _path(patterns)
    return (chi(p) + chi(p.flip(0))) / 2


def interaction_coefficient(first: PatternPath, second: PatternPath) -> float:
    """``I = |chi(G1 + G2) - chi(G1) - chi(G2)|`` for two walks joined end to start.

    Parameters
    ----------
    first, second : Tensor, array or Walk, shapes (n1, m) and (n2, m)
        ``G1 + G2`` is ``first`` followed by ``second``; when the last pattern of ``first`` is the first
        of ``second`` (the walks meet in one region) the repeat changes nothing (stability).

    Examples
    --------
    >>> interaction_coefficient([[0, 0], [1, 0]], [[1, 0], [0, 0]])
    0.5

    References
    ----------
    foldlab's own definition, not a numbered statement of the papers: foldlab's maths page (docs/maths.md), section
    'Folding measures'.
    """
    a, b = _path(first), _path(second)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"the two walks have patterns of different lengths: {a.shape[1]} and {b.shape[1]} bits")
    return abs(chi(torch.cat([a, b])) - chi(a) - chi(b))


def chi_bounds(patterns: PatternPath) -> tuple[float, float]:
    """Bounds ``1/2 (1 - D/L) <= chi <= 1 - D/L`` with ``D = d_H(pi_1, pi_n)`` and ``L = r2``.

    The upper bound holds because ``r1 >= D``; the lower because ``d_H(pi_1, pi_i)`` is at most both the
    distance travelled to ``pi_i`` and ``D`` plus the distance still to travel, so ``r1 <= (L + D) / 2``.
    Both are 0 for a path that never moves.

    Examples
    --------
    >>> chi_bounds([[0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 1]])
    (0.33333333333333337, 0.6666666666666667)

    References
    ----------
    foldlab's maths page (docs/maths.md), section 'Folding measures' (the proof; the worked example attains both
    bounds).
    """
    p = _path(patterns)
    distance = int((p[0] != p[-1]).sum())
    length = int((p[1:] != p[:-1]).sum())
    if length == 0:
        return 0.0, 0.0
    upper = 1.0 - distance / length
    return upper / 2, upper
