r"""Walker's alias method: many draws from one discrete distribution, in constant time each.

word2vec draws millions of noise words per epoch from the same distribution.
``torch.multinomial`` and an inverse-CDF search (``torch.searchsorted``) cost
:math:`O(\log V)` per draw; the C code instead samples a table of :math:`10^8` ids,
which only approximates the distribution. The alias method (Walker, 1977; Vose, 1991)
is exact and :math:`O(1)` per draw: it splits the distribution into :math:`V`
columns of equal height, each holding at most two ids, an id and its *alias*. A draw
picks a column uniformly, then one of its two ids with a biased coin.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from embedlab.text import check_counts

__all__ = ["AliasTable"]


class AliasTable:
    r"""Draw ids ``0 .. V-1`` with the probabilities ``weights / weights.sum()``.

    Args:
        weights (torch.Tensor): non-negative weights of shape ``(V,)``, not all zero.

    Attributes:
        threshold (torch.Tensor): float64 ``(V,)``, the chance that column :math:`i`
            gives :math:`i` itself.
        alias (torch.Tensor): int64 ``(V,)``, the id column :math:`i` gives otherwise.

    Raises:
        ValueError: if ``weights`` is not 1-D, has a negative or non-finite entry,
            or sums to zero.

    Examples::

        >>> table = AliasTable(torch.tensor([0.0, 1.0, 3.0]))
        >>> table.probabilities()
        tensor([0.0000, 0.2500, 0.7500], dtype=torch.float64)
        >>> draws = table.sample(100_000, generator=torch.Generator().manual_seed(0))
        >>> (torch.bincount(draws, minlength=3) / 100_000).round(decimals=2)
        tensor([0.0000, 0.2500, 0.7500])
    """

    def __init__(self, weights: Tensor) -> None:
        check_counts(weights)
        total = weights.double().sum()
        if total <= 0:
            raise ValueError("weights sum to zero: expected at least one positive weight")
        size = len(weights)
        scaled = (weights.double() / total * size).tolist()
        threshold = [1.0] * size
        alias = list(range(size))
        small = [i for i, q in enumerate(scaled) if q < 1.0]
        large = [i for i, q in enumerate(scaled) if q >= 1.0]
        # Each short column is topped up from a tall one, which then shrinks by as much.
        while small and large:
            short, tall = small.pop(), large[-1]
            threshold[short], alias[short] = scaled[short], tall
            scaled[tall] -= 1.0 - scaled[short]
            if scaled[tall] < 1.0:
                small.append(large.pop())
        # What is left is 1 up to rounding: those columns give their own id.
        self.threshold = torch.tensor(threshold, dtype=torch.float64)
        self.alias = torch.tensor(alias, dtype=torch.int64)

    def __len__(self) -> int:
        return len(self.alias)

    def probabilities(self) -> Tensor:
        """The probability of each id that the table encodes (for checking it).

        Returns:
            torch.Tensor: float64 ``(V,)``, summing to 1.
        """
        size = len(self)
        own = self.threshold / size
        given = torch.zeros(size, dtype=torch.float64).index_add_(0, self.alias, (1 - self.threshold) / size)
        return own + given

    def sample(
        self, num_samples: int, generator: torch.Generator | np.random.Generator | None = None
    ) -> Tensor:
        r"""Draw ``num_samples`` ids, independently.

        One uniform float64 :math:`x \in [0, 1)` makes each draw: the column is
        :math:`\lfloor xV \rfloor` and the coin the fractional part of :math:`xV`, which
        keeps :math:`53 - \log_2 V` bits (33 for a million ids).

        Args:
            num_samples (int): how many, at least 0.
            generator (torch.Generator or numpy.random.Generator, optional): the random
                source. NumPy's PCG64 draws about five times faster than PyTorch's
                Mersenne Twister on a CPU core (torch 2.13 here). Default: PyTorch's
                global generator.

        Returns:
            torch.Tensor: int64 ids of shape ``(num_samples,)``, on the CPU.

        Raises:
            ValueError: if ``num_samples`` is not an int of at least 0.

        Examples::

            >>> table = AliasTable(torch.tensor([1.0, 0.0, 1.0]))
            >>> table.sample(6, generator=np.random.default_rng(0))
            tensor([2, 0, 0, 0, 2, 0])
        """
        if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples < 0:
            raise ValueError(f"num_samples must be an int of at least 0, got {num_samples!r}")
        if isinstance(generator, np.random.Generator):
            uniform = torch.from_numpy(generator.random(num_samples))
        else:
            uniform = torch.rand(num_samples, generator=generator, dtype=torch.float64)
        scaled = uniform * len(self)
        column = scaled.long().clamp_(max=len(self) - 1)
        coin = scaled - column
        return torch.where(coin < self.threshold.index_select(0, column), column, self.alias.index_select(0, column))
