"""Type aliases of foldlab's public signatures, in one place."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Union

import numpy as np
import torch
from torch import nn

if TYPE_CHECKING:  # pragma: no cover - for annotations only
    from .adapter import NetSpec

__all__ = ["ArrayLike", "Box", "Layers", "Net", "Seed", "Device", "PlanePoints"]

#: Numbers as a torch tensor, a numpy array or nested sequences of Python numbers.
ArrayLike = torch.Tensor | np.ndarray | Sequence[float] | Sequence[Sequence[float]]
#: A 2D window ``(xmin, xmax, ymin, ymax)``.
Box = tuple[float, float, float, float]
#: Which hidden layers: None (all), one 0-based index, or a sequence of them.
Layers = int | Sequence[int] | None
#: A torch net, or the snapshot :func:`foldlab.read_net` made of it.
Net = Union[nn.Module, "NetSpec"]  # noqa: UP007 (a forward reference: the snapshot class is defined above this module)
#: A seed: an int from 0 to 2**32 - 1.
Seed = int
#: Three inputs ``(p0, p1, p2)`` spanning a plane: a (3, d_in) array, or a sequence of three inputs.
PlanePoints = ArrayLike | Sequence[ArrayLike]
#: Where to compute: ``"cpu"``, ``"cuda"``, a ``torch.device``, or None (where the net is).
Device = str | torch.device | None
