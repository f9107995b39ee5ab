"""Type aliases of foldlab's public signatures, in one place."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ForwardRef, Union

import numpy as np
import torch
from torch import nn

__all__ = ["ArrayLike", "Box", "Layers", "Net", "Seed", "Device", "PlanePoints"]

#: Numbers as a torch tensor, a numpy array or nested sequences of Python numbers.
ArrayLike = torch.Tensor | np.ndarray | Sequence[float] | Sequence[Sequence[float]]
#: A 2D window ``(xmin, xmax, ymin, ymax)``.
Box = tuple[float, float, float, float]
#: Which hidden layers: None (all), one 0-based index, or a sequence of them.
Layers = int | Sequence[int] | None
#: A torch net, or the snapshot :func:`foldlab.read_net` made of it.
if TYPE_CHECKING:  # pragma: no cover - what type checkers read
    from .adapter import NetSpec

    Net = Union[nn.Module, NetSpec]  # noqa: UP007
else:
    # foldlab.adapter imports this module, so NetSpec is a forward reference; naming its module lets
    # typing.get_type_hints resolve it in whichever module uses Net
    Net = Union[nn.Module, ForwardRef("NetSpec", module="foldlab.adapter")]  # noqa: UP007
#: A seed: an int from 0 to 2**32 - 1.
Seed = int
#: Three inputs ``(p0, p1, p2)`` spanning a plane: a (3, d_in) array, or a sequence of three inputs.
PlanePoints = ArrayLike | Sequence[ArrayLike]
#: Where to compute: ``"cpu"``, ``"cuda"``, a ``torch.device``, or None (where the net is).
Device = str | torch.device | None
