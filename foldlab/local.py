"""The region around an input: its local linear map, its size, and how far its boundary is.

Swiniarski, Bruna and Cho ("Study on Activation Patterns", section 6, "Properties of Linear regions
classifier") look at a ReLU net as locally linear: on the activation region of ``x`` each unit ``a`` is
``<x, W_{a,x}> + b_{a,x}``, and ``W_{a,x}`` has the size of an image. foldlab computes these maps exactly from
the net's snapshot (:func:`local_linear_map`: the product of the weight matrices with the region's masks,
the noise-free computation of their section 6), estimates the size of the region the way their section 6.5
does (:func:`region_size`: noise halved until 20% of the copies keep the pattern) and measures it exactly
(:func:`distance_to_boundary`: the first crossing of exact walks from ``x``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ._docs import shared_docs
from ._typing import ArrayLike, Layers, Net
from ._validation import DTYPE, as_inputs, check_choice, check_float, check_int, check_seed
from .adapter import Affine, read_net
from .limits import check_memory
from .walk import walks

__all__ = [
    "local_linear_map",
    "map_angles",
    "RegionSize",
    "region_size",
    "distance_to_boundary",
    "NeighborMaps",
    "neighbor_maps",
    "stacked_singular_values",
    "NoiseAngles",
    "angles_under_noise",
]


@shared_docs
def local_linear_map(net: Net, x: ArrayLike, *, layer: int | None = None) -> torch.Tensor:
    """The matrix of the affine map the net computes on the region of each input, shape ``(n, d_out, d_in)``.

    For a piecewise-linear net (ReLU, LeakyReLU) the output is ``A x + c`` on the activation region of ``x``;
    ``A`` is the product of the weight matrices with the region's masks, computed here exactly from the net's
    float64 snapshot (no back-propagation, hence none of the noise the source saw in ``.backward()``). For
    other activations it is the Jacobian at ``x`` (the local linearisation).

    Parameters
    ----------
    %(net)s
    x : Tensor or array, shape (n, d_in) or (d_in,)
    layer : int, optional
        0-based hidden layer: the maps of its pre-activations instead, shape ``(n, width, d_in)``; row ``i`` is
        the source's ``W_{a,x}`` of unit ``a = i``.

    Returns
    -------
    Tensor, float64

    Examples
    --------
    >>> import foldlab as fl
    >>> net = fl.CantorNet(depth=1)
    >>> fl.local_linear_map(net, [[0.1, 0.5], [0.5, 0.9]])[:, 0]  # N = y - (A(x) + 1) / 2: slope -3/2 * A'(x)
    tensor([[1.5000, 1.0000],
            [0.0000, 1.0000]], dtype=torch.float64)

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", section 6 (W_{a,x}, eqs. 51-55) and 6.1.
    """
    spec = read_net(net)
    inputs = as_inputs(x, spec.d_in, name="x")
    if layer is not None:
        layer = check_int(layer, "layer", min=0, max=len(spec.layers) - 1)
    widest = max(max(spec.units) * (2 if "swiglu" in spec.kinds else 1), spec.d_out)
    check_memory(8.0 * inputs.shape[0] * widest * spec.d_in * 3, "the local linear maps", driver="pass fewer inputs")
    stages = list(spec.layers[: layer + 1]) if layer is not None else list(spec.layers)
    h = inputs
    jac = torch.eye(spec.d_in, dtype=DTYPE).expand(inputs.shape[0], -1, -1)  # d h / d x
    for i, stage in enumerate(stages):
        z, jz = h, jac
        for op in stage.maps:  # affine maps compose exactly; a LayerNorm goes through autograd
            z, jz = _push(op, z, jz)
        if layer is not None and i == layer:
            return jz[:, : jz.shape[1] - stage.n_carried]  # the layer's own (not those carrying a residual skip)
        h, jac = _activate(stage, z, jz)
    if spec.output is not None:
        for op in spec.output.maps:
            h, jac = _push(op, h, jac)
    return jac


def _push(op, h: torch.Tensor, jac: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """A map applied to values ``h`` (n, k) and their Jacobians ``jac`` (n, k, d)."""
    if isinstance(op, Affine):
        return op(h), op.weight @ jac
    # LayerNorm: its Jacobian at each point, by autograd
    per_point = torch.func.vmap(torch.func.jacrev(lambda v: op(v[None])[0]))(h)  # (n, k, k)
    return op(h), per_point @ jac


def _activate(stage, z: torch.Tensor, jz: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    act = stage.activation
    if act.piecewise_linear:  # the region's masks: 1 where on, the slope where off (exactly 0 is off)
        scale = torch.where(z > 0, torch.ones_like(z), torch.full_like(z, act.negative_slope))
        if stage.n_carried:  # a residual skip x carried as sigma(x), sigma(-x): at x = 0 both are "off", but
            # x = (sigma(x) - sigma(-x)) / (1 + a) has slope 1 there, so sigma(x) counts as on at x = 0
            plus = slice(stage.n_bits, stage.n_bits + stage.n_carried // 2)
            scale[:, plus] = torch.where(z[:, plus] >= 0, torch.ones_like(z[:, plus]), scale[:, plus])
        return act(z), scale[:, :, None] * jz
    derivative = torch.func.vmap(torch.func.jacrev(lambda v: act(v[None])[0]))(z)  # (n, width, k)
    return act(z), derivative @ jz


def map_angles(A: ArrayLike, B: ArrayLike) -> np.ndarray:
    """Angles in degrees between corresponding rows of two stacks of maps, shape ``(..., rows)``.

    With ``A = local_linear_map(net, x)`` and ``B = local_linear_map(net, x + eps)``, row ``k`` is the angle
    between the two regions' maps of output ``k`` (the source's section 6.4); 0 inside one region.

    Examples
    --------
    >>> map_angles([[[1.0, 0.0]]], [[[1.0, 1.0]]]).round(6)
    array([[45.]])
    """
    A = torch.as_tensor(np.asarray(A, dtype=np.float64))
    B = torch.as_tensor(np.asarray(B, dtype=np.float64))
    if A.shape != B.shape:
        raise ValueError(f"the two stacks of maps differ in shape: {tuple(A.shape)} and {tuple(B.shape)}")
    cos = (A * B).sum(-1) / (A.norm(dim=-1) * B.norm(dim=-1)).clamp_min(torch.finfo(DTYPE).tiny)
    return torch.rad2deg(torch.arccos(cos.clamp(-1, 1))).numpy()


@dataclass(frozen=True, eq=False)
class RegionSize:
    """The polytope exploration of one input.

    Attributes
    ----------
    noise : float
        The final noise scale ``sigma``: copies perturbed by ``U(-sigma, sigma)`` noise per coordinate keep the
        pattern about 20% of the time.
    history : ndarray, shape (rounds,)
        ``sigma`` at each round.
    survivors : ndarray, shape (rounds,)
        Fraction of the copies that kept the pattern in each round.
    points : ndarray, shape (N, d)
        The copies at the end, all with the input's pattern.
    """

    noise: float
    history: np.ndarray
    survivors: np.ndarray
    points: np.ndarray

    @property
    def log10(self) -> float:
        """``log10(noise)``: the source reports ``1e-4.00421`` as -4.00421."""
        return float(np.log10(self.noise))

    def __repr__(self) -> str:
        return f"RegionSize(noise=1e{self.log10:.3f}, rounds={len(self.history)}, copies={len(self.points)})"


def region_size(
    net: Net,
    x: ArrayLike,
    *,
    layers: Layers = None,
    n_copies: int = 100,
    noise: float = 1.0,
    keep: float = 0.2,
    rounds: int = 60,
    method: str = "explore",
    seed: int = 0,
) -> RegionSize:
    """Estimate the size of the activation region of ``x`` with noise (the source's section 6.5).

    ``method="explore"`` is the source's procedure: ``n_copies`` copies of ``x`` take steps of uniform noise
    ``U(-sigma, sigma)`` per coordinate; copies whose pattern (of the ``layers`` chosen) changes are dropped,
    and the rest are copied back up to ``n_copies``, the 10% with the lowest summed distance to the others
    dropped first to keep the cloud diverse. When fewer than ``keep`` of the copies keep the pattern in a round,
    ``sigma`` is halved; when none do, the copies restart at ``x``. After ``rounds`` rounds, ``sigma`` is the
    estimate. The cloud wanders over the whole region, so the estimate describes the region, not ``x``'s place
    in it (a point near a face of a wide region gets the wide region's scale).

    ``method="anchored"`` perturbs copies of ``x`` itself every round (no wandering), so the estimate describes
    the neighbourhood of ``x``, with bounds that foldlab's tests check against the exact region: ``sigma`` is
    only halved when some copy left the region, which needs ``sigma sqrt(d) > r`` (``r`` the distance from ``x``
    to the nearest face), so the final ``sigma`` is at least ``min(noise, r / (2 sqrt(d)))``; and a bounded
    region within distance ``R`` of ``x`` fills less than ``keep`` of the cube once ``sigma`` is a few ``R``, so
    ``sigma`` then keeps halving.

    Returns
    -------
    RegionSize
        ``.noise`` (sigma), ``.log10``, ``.history``, ``.survivors``, ``.points``.

    Examples
    --------
    >>> import foldlab as fl
    >>> size = fl.region_size(fl.mlp([2, 8, 8, 1], seed=0), [0.3, -0.2], rounds=30)
    >>> size
    RegionSize(noise=1e..., rounds=30, copies=...)

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", section 6.5 (exploring polytopes; the final noise
    scales they report for a 3-layer net: 1e-4.00 for the first layer only, 1e-4.29 for all three layers).
    """
    spec = read_net(net)
    point = as_inputs(x, spec.d_in, name="x")
    if point.shape[0] != 1:
        raise ValueError(f"expected one input x of shape ({spec.d_in},), got shape {tuple(point.shape)}")
    chosen = spec.layer_indices(layers)
    n_copies = check_int(n_copies, "n_copies", min=2)
    sigma = check_float(noise, "noise", min=0, include_min=False)
    keep = check_float(keep, "keep", min=0, max=1, include_min=False, include_max=False)
    rounds = check_int(rounds, "rounds", min=1)
    method = check_choice(method, "method", ("explore", "anchored"))
    rng = np.random.default_rng(check_seed(seed))
    check_memory(
        8.0 * n_copies * (spec.d_in + n_copies), "the copies of the polytope exploration", driver="lower n_copies"
    )
    target = spec.bits(point, chosen)
    copies = point.repeat(n_copies, 1)
    kept = point  # the last copies found with the pattern
    history, survivors = [], []
    with torch.no_grad():
        for _ in range(rounds):
            history.append(sigma)
            moved = copies + torch.as_tensor(rng.uniform(-sigma, sigma, copies.shape))
            same = (spec.bits(moved, chosen) == target).all(dim=1)
            survivors.append(float(same.double().mean()))
            alive = moved[same]
            if len(alive):
                kept = alive
            if survivors[-1] < keep:
                sigma /= 2
            if method == "anchored" or len(alive) == 0:
                copies = point.repeat(n_copies, 1)
                continue
            if len(alive) > 10:  # diversity: drop the 10% closest to the rest
                crowded = torch.cdist(alive, alive).sum(dim=1)
                alive = alive[torch.argsort(crowded, descending=True)[: len(alive) - len(alive) // 10]]
            copies = alive[torch.as_tensor(rng.integers(0, len(alive), n_copies))]
            copies[: len(alive)] = alive
    return RegionSize(sigma, np.array(history), np.array(survivors), kept.numpy())


def distance_to_boundary(
    net: Net,
    x: ArrayLike,
    *,
    n_directions: int = 64,
    reach: float | None = None,
    layers: Layers = None,
    seed: int = 0,
) -> float:
    """The smallest distance from ``x`` to the boundary of its activation region along random directions.

    Exact walks (:func:`foldlab.walks`) from ``x`` along ``n_directions`` seeded random unit directions give, on
    each, the exact distance to the first boundary; the smallest is an upper bound on the distance to the
    nearest face, which it approaches as directions are added (in 2D the exact value is the distance from ``x``
    to the region's polygon, which foldlab's tests compare it with).

    Parameters
    ----------
    reach : float, optional
        How far each walk goes (default: ``10 (1 + ||x||)``); ``inf`` is returned when no boundary is that close.

    Examples
    --------
    >>> import foldlab as fl
    >>> fl.distance_to_boundary(fl.CantorNet(depth=1), [0.5, 0.25], n_directions=256) < 0.17
    True
    """
    spec = read_net(net)
    point = as_inputs(x, spec.d_in, name="x")
    if point.shape[0] != 1:
        raise ValueError(f"expected one input x of shape ({spec.d_in},), got shape {tuple(point.shape)}")
    n_directions = check_int(n_directions, "n_directions", min=1)
    reach = 10 * (1 + float(point.norm())) if reach is None else check_float(reach, "reach", min=0, include_min=False)
    g = torch.Generator().manual_seed(check_seed(seed))
    directions = torch.randn(n_directions, spec.d_in, generator=g, dtype=DTYPE)
    directions /= directions.norm(dim=1, keepdim=True)
    ends = point + reach * directions
    walked = walks(spec, point.repeat(n_directions, 1), ends, layers)
    first = [w.ts[1] * reach if len(w) > 1 else np.inf for w in walked]
    return float(min(first))


@dataclass(frozen=True, eq=False)
class NeighborMaps:
    """The local linear maps of the region of ``x`` and of the next region on the segment toward another input.

    Attributes
    ----------
    x : ndarray, shape (d,)
    neighbor : ndarray, shape (d,)
        A point of the next region: the middle of its piece of the segment.
    boundary : float
        The distance from ``x`` to the boundary the segment crosses first.
    maps : ndarray, shape (2, rows, d)
        ``maps[0]`` is the map of ``x``'s region, ``maps[1]`` that of the next region (rows: the outputs, or the
        units of ``layer``).
    angles : ndarray, shape (rows,)
        Degrees between corresponding rows of the two maps (:func:`map_angles`).
    flipped : ndarray of int
        The bits (indices into the pattern of all hidden layers) that differ between the two regions.
    """

    x: np.ndarray
    neighbor: np.ndarray
    boundary: float
    maps: np.ndarray
    angles: np.ndarray
    flipped: np.ndarray

    @property
    def singular_values(self) -> np.ndarray:
        """Singular values of the two maps, shape (2, min(rows, d)), largest first."""
        return np.linalg.svd(self.maps, compute_uv=False)

    def __repr__(self) -> str:
        return (f"NeighborMaps(boundary={self.boundary:.3g}, flipped={len(self.flipped)} bits, "
                f"angles {self.angles.min():.3g} to {self.angles.max():.3g} degrees)")


@shared_docs
def neighbor_maps(net: Net, x: ArrayLike, toward: ArrayLike, *, layer: int | None = None) -> NeighborMaps:
    """The map of the region of ``x`` beside the map of the next region on the segment from ``x`` to ``toward``.

    The exact walk (:func:`foldlab.walk`) from ``x`` finds the first boundary on the way; the next region's map is
    read at the middle of its piece of the segment. The source compares ``W_{a,x}`` with ``W_{a,x+eps}`` for
    random noise (:func:`angles_under_noise`); here the neighbour is the region across one known face.

    Parameters
    ----------
    %(net)s
    x, toward : Tensor or array, shape (d_in,)
        Two inputs in different regions.
    layer : int, optional
        Compare the maps of this hidden layer's units instead of the outputs (see :func:`local_linear_map`).

    Returns
    -------
    NeighborMaps

    Examples
    --------
    >>> import foldlab as fl
    >>> near = neighbor_maps(fl.CantorNet(depth=1), [0.1, 0.5], [0.5, 0.5])
    >>> near.angles.round(2), near.flipped.tolist()  # slopes (3/2, 1) and (0, 1): atan(3/2)
    (array([56.31]), [1, 3])

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", sections 6.1 and 6.4.
    """
    spec = read_net(net)
    start = as_inputs(x, spec.d_in, name="x")
    end = as_inputs(toward, spec.d_in, name="toward")
    if start.shape[0] != 1 or end.shape[0] != 1:
        raise ValueError(f"expected x and toward to be single points of shape ({spec.d_in},)")
    path = walks(spec, start, end)[0]
    if len(path) < 2:
        raise ValueError("x and toward are in the same activation region: the segment between them crosses no "
                         "boundary, so there is no neighbouring region on it")
    neighbor = path.points([path.midpoints[1]])
    maps = local_linear_map(spec, torch.cat([start, torch.as_tensor(neighbor)]), layer=layer).numpy()
    flipped = np.flatnonzero((path.patterns[0] != path.patterns[1]).numpy())
    boundary = float(path.ts[1] * (end - start).norm())
    return NeighborMaps(start[0].numpy(), neighbor[0], boundary, maps, map_angles(maps[0], maps[1]), flipped)


def stacked_singular_values(net: Net, X: ArrayLike, *, output: int = 0) -> np.ndarray:
    """Singular values of the maps ``W_{a,x}`` of one output ``a`` stacked over inputs ``X``, shape (min(n, d),).

    The source's section 6.2 asks how many directions the maps of one output span over a data set: the
    ``n x d`` matrix whose rows are ``W_{a,x_1}, ..., W_{a,x_n}``. Inputs in one region give one row many times
    (rank 1); the spectrum's decay says how much the maps vary between the regions the data fall in.

    Examples
    --------
    >>> import foldlab as fl
    >>> net = fl.mlp([3, 16, 16, 1], seed=0)
    >>> same = stacked_singular_values(net, [[0.1, 0.2, 0.3]] * 5)  # one region: one direction
    >>> int((same > 1e-12 * same[0]).sum())
    1

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", section 6.2 (rank of the W_x vectors).
    """
    spec = read_net(net)
    output = check_int(output, "output", min=0, max=spec.d_out - 1)
    rows = local_linear_map(spec, X)[:, output, :]
    return torch.linalg.svdvals(rows).numpy()


@dataclass(frozen=True, eq=False)
class NoiseAngles:
    """How much the local linear map changes under Gaussian noise on the input (the source's section 6.4).

    Attributes
    ----------
    sigmas : ndarray, shape (s,)
        Standard deviations of the noise ``eps ~ N(0, sigma^2 I)``.
    angles : ndarray, shape (s, n)
        For each sigma and input, the mean over the map's rows of the angle (degrees) between the maps of ``x``
        and ``x + eps``.
    same_region : ndarray, shape (s,)
        The fraction of the ``x + eps`` with the pattern of ``x`` (their angle is 0 up to rounding).
    """

    sigmas: np.ndarray
    angles: np.ndarray
    same_region: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        """Mean angle over inputs for each sigma, shape (s,)."""
        return self.angles.mean(axis=1)

    def __repr__(self) -> str:
        pairs = ", ".join(f"{s:g}: {a:.3g}" for s, a in zip(self.sigmas, self.mean))
        return f"NoiseAngles(mean angle in degrees by sigma: {pairs})"


@shared_docs
def angles_under_noise(
    net: Net, X: ArrayLike, sigmas: Sequence[float], *, layer: int | None = None, seed: int = 0
) -> NoiseAngles:
    """Angles between the map of each input and the map at the input plus Gaussian noise, for several scales.

    Parameters
    ----------
    %(net)s
    %(X)s
    sigmas : sequence of float
        Noise standard deviations, each > 0.
    layer : int, optional
        The maps of this hidden layer's units instead of the outputs.
    %(seed)s
        It draws the noise.

    Returns
    -------
    NoiseAngles

    Examples
    --------
    >>> import foldlab as fl
    >>> noise = angles_under_noise(fl.mlp([2, 8, 8, 1], seed=0), [[0.3, -0.2], [0.5, 0.5]], [1e-9, 1.0])
    >>> float(noise.same_region[0]), bool(noise.mean[0] < 1e-5), noise.angles.shape
    (1.0, True, (2, 2))

    References
    ----------
    Swiniarski, Bruna and Cho, "Study on Activation Patterns", section 6.4 (angles between W_{a,x} and
    W_{a,x+eps}, eps ~ N(0, sigma^2)).
    """
    spec = read_net(net)
    inputs = as_inputs(X, spec.d_in, name="X")
    if isinstance(sigmas, (str, bytes)) or np.ndim(sigmas) != 1 or len(sigmas) == 0:
        raise TypeError(f"sigmas must be a non-empty sequence of numbers, got {sigmas!r}")
    sigmas = [check_float(s, f"sigmas[{i}]", min=0, include_min=False) for i, s in enumerate(sigmas)]
    g = torch.Generator().manual_seed(check_seed(seed))
    base = local_linear_map(spec, inputs, layer=layer)
    bits = spec.bits(inputs)
    angles, same = [], []
    for sigma in sigmas:
        moved = inputs + sigma * torch.randn(inputs.shape, generator=g, dtype=DTYPE)
        angles.append(map_angles(base, local_linear_map(spec, moved, layer=layer)).mean(axis=1))
        same.append(float((spec.bits(moved) == bits).all(dim=1).double().mean()))
    return NoiseAngles(np.array(sigmas), np.array(angles), np.array(same))
