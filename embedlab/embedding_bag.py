"""``embedlab.EmbeddingBag``: :func:`embedlab.functional.embedding_bag` as a module."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from embedlab._checks import WeightShapeError
from embedlab.embedding import reset_table_, table_parameter
from embedlab.functional import check_max_norm, normalize_padding_idx
from embedlab.functional.bag import MODES, embedding_bag

__all__ = ["EmbeddingBag"]


class EmbeddingBag(nn.Module):
    r"""A table of ``num_embeddings`` learnable vectors, looked up in bags and reduced to one vector per bag.

    A drop-in replacement for :class:`torch.nn.EmbeddingBag` (same arguments, same
    initialisation, same results) whose lookup is
    :func:`embedlab.functional.embedding_bag`.
    With bags of equal length it computes what :class:`~embedlab.Embedding` followed
    by a sum, mean or max over the bag dimension computes, without materialising the
    ``(B, L, D)`` tensor of looked-up rows in the output.

    Args:
        num_embeddings (int): the number of rows.
        embedding_dim (int): the length of each row.
        max_norm (float, optional): renorm looked-up rows to at most this norm, in
            place. Default: ``None``.
        norm_type (float): the ``p`` of the p-norm for ``max_norm``. Default: ``2``.
        scale_grad_by_freq (bool): divide each row's gradient by its id's count in the
            batch. Default: ``False``.
        mode (str): ``"sum"``, ``"mean"`` or ``"max"``. Default: ``"mean"``.
        sparse (bool): give :attr:`weight` a sparse gradient (not with ``"max"``).
            Default: ``False``.
        _weight (torch.Tensor, optional): use this tensor as the table. Default: ``None``.
        include_last_offset (bool): ``offsets`` end with the end of the last bag.
            Default: ``False``.
        padding_idx (int, optional): ids left out of every bag; a new table starts the
            row at zero. Default: ``None``.
        device (torch.device, optional): where a fresh table is created.
        dtype (torch.dtype, optional): the dtype of a fresh table.
        check_ids (bool): report an out-of-range id with its value and position.
            Default: ``True``.

    Attributes:
        weight (torch.Tensor): the table, initialised from :math:`\mathcal{N}(0, 1)`
            with the padding row zeroed.

    Raises:
        ValueError: on a negative size, a bad ``mode``, an out-of-range ``padding_idx``,
            a non-positive ``max_norm`` or a ``_weight`` of the wrong shape.

    Examples::

        >>> bag = EmbeddingBag(10, 3, mode="sum")
        >>> bag
        EmbeddingBag(10, 3, mode='sum')
        >>> bag(torch.tensor([1, 2, 4, 5, 4, 3, 2, 9]), torch.tensor([0, 4])).shape
        torch.Size([2, 3])
        >>> _ = torch.manual_seed(0)
        >>> ours = EmbeddingBag(10, 3)
        >>> _ = torch.manual_seed(0)
        >>> torch.equal(ours.weight, torch.nn.EmbeddingBag(10, 3).weight)
        True
    """

    num_embeddings: int
    embedding_dim: int
    max_norm: float | None
    norm_type: float
    scale_grad_by_freq: bool
    mode: str
    sparse: bool
    include_last_offset: bool
    padding_idx: int | None
    check_ids: bool
    weight: Tensor

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        _weight: Tensor | None = None,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
        check_ids: bool = True,
    ) -> None:
        super().__init__()
        self.weight = table_parameter(num_embeddings, embedding_dim, _weight, True, device, dtype)
        if mode not in MODES:
            raise ValueError(
                f"mode must be 'sum', 'mean' or 'max', got {mode!r} "
                "(mode has to be one of sum, mean or max)"
            )
        check_max_norm(max_norm)
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.padding_idx = normalize_padding_idx(
            padding_idx, num_embeddings, "padding_idx must be within num_embeddings"
        )
        if _weight is None:
            self.reset_parameters()
        self.mode = mode
        self.sparse = sparse
        self.include_last_offset = include_last_offset
        self.check_ids = check_ids

    def reset_parameters(self) -> None:
        """Redraw :attr:`weight` from :math:`\\mathcal{N}(0, 1)` and zero the padding row, as PyTorch does."""
        reset_table_(self.weight, self.padding_idx)

    def forward(
        self, input: Tensor, offsets: Tensor | None = None, per_sample_weights: Tensor | None = None
    ) -> Tensor:
        """Reduce each bag of ``input`` to one vector.

        Args:
            input (torch.Tensor): int64 or int32 ids: 2-D, one bag per row, or 1-D with ``offsets``.
            offsets (torch.Tensor, optional): where each bag starts in a 1-D ``input``.
            per_sample_weights (torch.Tensor, optional): one weight per id (``mode="sum"`` only).

        Returns:
            torch.Tensor: of shape ``(number of bags, embedding_dim)``.

        Examples::

            >>> bag = EmbeddingBag.from_pretrained(torch.eye(3), mode="sum")
            >>> bag(torch.tensor([[0, 2], [1, 1]]))
            tensor([[1., 0., 1.],
                    [0., 2., 0.]])
        """
        return embedding_bag(
            input,
            self.weight,
            offsets,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.mode,
            self.sparse,
            per_sample_weights,
            self.include_last_offset,
            self.padding_idx,
            self.check_ids,
        )

    def extra_repr(self) -> str:
        """The arguments that differ from their defaults (and the mode), worded as PyTorch words them.

        Examples::

            >>> EmbeddingBag(5, 2, max_norm=1.0, padding_idx=0).extra_repr()
            "5, 2, max_norm=1.0, mode='mean', padding_idx=0"
        """
        parts = [f"{self.num_embeddings}, {self.embedding_dim}"]
        if self.max_norm is not None:
            parts.append(f"max_norm={self.max_norm!r}")
        if self.norm_type != 2:
            parts.append(f"norm_type={self.norm_type!r}")
        if self.scale_grad_by_freq is not False:
            parts.append(f"scale_grad_by_freq={self.scale_grad_by_freq!r}")
        parts.append(f"mode={self.mode!r}")
        if self.padding_idx is not None:
            parts.append(f"padding_idx={self.padding_idx!r}")
        if not self.check_ids:
            parts.append("check_ids=False")
        return ", ".join(parts)

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
    ) -> EmbeddingBag:
        """Wrap an existing 2-D tensor as an :class:`EmbeddingBag`, sharing its memory.

        The padding row keeps whatever it holds (it is left out of every bag anyway).

        Args:
            embeddings (torch.Tensor): the table, of shape ``(num_embeddings, embedding_dim)``.
            freeze (bool): keep the table fixed. Default: ``True``.
            max_norm, norm_type, scale_grad_by_freq, mode, sparse, include_last_offset, padding_idx:
                as for :class:`EmbeddingBag`.

        Raises:
            embedlab.WeightShapeError: if ``embeddings`` is not 2-D (also an
                :class:`AssertionError`, as in PyTorch).

        Examples::

            >>> vectors = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
            >>> bag = EmbeddingBag.from_pretrained(vectors)
            >>> bag(torch.tensor([[0, 1]]))
            tensor([[2., 3.]])
            >>> bag.weight.data_ptr() == vectors.data_ptr(), bag.weight.requires_grad
            (True, False)
        """
        if embeddings.dim() != 2:
            raise WeightShapeError(
                f"embeddings must be 2-D (num_embeddings, embedding_dim), got "
                f"{embeddings.dim()}-D with shape {tuple(embeddings.shape)} "
                "(Embeddings parameter is expected to be 2-dimensional)"
            )
        rows, cols = embeddings.shape
        bag = cls(
            num_embeddings=rows,
            embedding_dim=cols,
            _weight=embeddings,
            max_norm=max_norm,
            norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq,
            mode=mode,
            sparse=sparse,
            include_last_offset=include_last_offset,
            padding_idx=padding_idx,
        )
        bag.weight.requires_grad = not freeze
        return bag
