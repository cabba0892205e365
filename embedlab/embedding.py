"""``embedlab.Embedding``: the embedding layer as a module, built on :func:`embedlab.functional.embedding`."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from embedlab._checks import WeightShapeError, check_size
from embedlab.functional import check_max_norm, embedding, normalize_padding_idx

__all__ = ["Embedding"]


def table_parameter(
    num_embeddings: int,
    embedding_dim: int,
    weight: Tensor | None,
    requires_grad: bool,
    device: torch.device | str | None,
    dtype: torch.dtype | None,
) -> nn.Parameter:
    """The weight of an embedding module: ``weight`` checked and wrapped, or a new uninitialised table.

    Shared by :class:`Embedding` and :class:`~embedlab.embedding_bag.EmbeddingBag`, whose
    constructors take the same sizes and optional ``_weight``.

    Raises:
        TypeError: if a size is not an int.
        NegativeSizeError: (a :class:`ValueError` and a :class:`RuntimeError`, as in
            PyTorch) if a size is negative.
        embedlab.WeightShapeError: if ``weight`` is not of shape
            ``(num_embeddings, embedding_dim)`` (also an :class:`AssertionError`).
    """
    check_size(num_embeddings, "num_embeddings")
    check_size(embedding_dim, "embedding_dim")
    if weight is None:
        weight = torch.empty((num_embeddings, embedding_dim), device=device, dtype=dtype)
    elif tuple(weight.shape) != (num_embeddings, embedding_dim):
        raise WeightShapeError(
            f"_weight has shape {tuple(weight.shape)}, expected "
            f"(num_embeddings, embedding_dim) = ({num_embeddings}, {embedding_dim}) "
            "(Shape of weight does not match num_embeddings and embedding_dim)"
        )
    return nn.Parameter(weight, requires_grad=requires_grad)


def reset_table_(weight: Tensor, padding_idx: int | None) -> None:
    """Redraw ``weight`` from N(0, 1) in place and zero the padding row, drawing as PyTorch does."""
    nn.init.normal_(weight)
    if padding_idx is not None:
        with torch.no_grad():
            weight[padding_idx].fill_(0)


class Embedding(nn.Module):
    r"""A table of ``num_embeddings`` learnable vectors of size ``embedding_dim``, looked up by id.

    A drop-in replacement for :class:`torch.nn.Embedding` (same arguments, same
    initialisation, same results) whose lookup is :func:`embedlab.functional.embedding`.

    Args:
        num_embeddings (int): the number of rows, i.e. of distinct ids.
        embedding_dim (int): the length of each row.
        padding_idx (int, optional): a row that training never changes: its gradient is
            always zero. A new table starts it at zero; a negative value counts from the
            end and is stored as its non-negative equivalent. Default: ``None``.
        max_norm (float, optional): if given, looked-up rows with a larger
            ``norm_type``-norm are scaled down to it, in place, on every forward.
            Default: ``None``.
        norm_type (float): the ``p`` of the p-norm for ``max_norm``. Default: ``2``.
        scale_grad_by_freq (bool): divide each row's gradient by the number of times its
            id occurs in the batch. Default: ``False``.
        sparse (bool): give :attr:`weight` a sparse gradient, which only
            :class:`torch.optim.SGD`, :class:`torch.optim.SparseAdam` and
            :class:`torch.optim.Adagrad` accept. Default: ``False``.
        _weight (torch.Tensor, optional): use this tensor (shared, not copied) as the table
            instead of a freshly initialised one. Default: ``None``.
        _freeze (bool): make :attr:`weight` not require a gradient. Default: ``False``.
        device (torch.device, optional): where a fresh table is created.
        dtype (torch.dtype, optional): the dtype of a fresh table.
        check_ids (bool): report an out-of-range id with its value and position (see
            :func:`embedlab.functional.embedding`). Default: ``True``.

    Attributes:
        weight (torch.Tensor): the table, of shape ``(num_embeddings, embedding_dim)``,
            initialised from :math:`\mathcal{N}(0, 1)` with the padding row zeroed.

    Shape:
        - Input: :math:`(*)`, int64 or int32 ids of any shape.
        - Output: :math:`(*, D)` with :math:`D = \text{embedding\_dim}`.

    Raises:
        TypeError: if a size or ``padding_idx`` is not an int (as in PyTorch, the error
            for ``padding_idx`` is also an :class:`IndexError`).
        ValueError: on a negative size (also a :class:`RuntimeError`, as in PyTorch),
            an out-of-range ``padding_idx``, a non-positive ``max_norm`` or a
            ``_weight`` of the wrong shape.

    Examples::

        >>> table = Embedding(10, 3, padding_idx=0)
        >>> table
        Embedding(10, 3, padding_idx=0)
        >>> table(torch.tensor([[0, 2, 0, 5], [4, 3, 2, 9]])).shape
        torch.Size([2, 4, 3])
        >>> table.weight[0]
        tensor([0., 0., 0.], grad_fn=<SelectBackward0>)
        >>> _ = torch.manual_seed(0)
        >>> ours = Embedding(10, 3)
        >>> _ = torch.manual_seed(0)
        >>> torch.equal(ours.weight, torch.nn.Embedding(10, 3).weight)
        True
    """

    num_embeddings: int
    embedding_dim: int
    padding_idx: int | None
    max_norm: float | None
    norm_type: float
    scale_grad_by_freq: bool
    sparse: bool
    check_ids: bool
    weight: Tensor

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Tensor | None = None,
        _freeze: bool = False,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
        check_ids: bool = True,
    ) -> None:
        super().__init__()
        self.weight = table_parameter(num_embeddings, embedding_dim, _weight, not _freeze, device, dtype)
        check_max_norm(max_norm)
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = normalize_padding_idx(padding_idx, num_embeddings)
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        self.check_ids = check_ids
        if _weight is None:
            self.reset_parameters()

    def reset_parameters(self) -> None:
        """Redraw :attr:`weight` from :math:`\\mathcal{N}(0, 1)` and zero the padding row.

        It draws from the global generator exactly as :class:`torch.nn.Embedding` does,
        so that both give the same table after the same ``torch.manual_seed``.

        Examples::

            >>> table = Embedding(4, 2, padding_idx=-1)
            >>> table.reset_parameters()
            >>> table.weight[3].tolist()
            [0.0, 0.0]
        """
        reset_table_(self.weight, self.padding_idx)

    def forward(self, input: Tensor) -> Tensor:
        """Look up the rows of :attr:`weight` at the ids in ``input``.

        Args:
            input (torch.Tensor): int64 or int32 ids of any shape.

        Returns:
            torch.Tensor: of shape ``(*input.shape, embedding_dim)``.

        Examples::

            >>> table = Embedding.from_pretrained(torch.eye(3))
            >>> table(torch.tensor([2, 0]))
            tensor([[0., 0., 1.],
                    [1., 0., 0.]])
        """
        return embedding(
            input,
            self.weight,
            self.padding_idx,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.sparse,
            self.check_ids,
        )

    def extra_repr(self) -> str:
        """The arguments that differ from their defaults, worded as :class:`torch.nn.Embedding` words them.

        Examples::

            >>> Embedding(5, 2, max_norm=1.0, sparse=True).extra_repr()
            '5, 2, max_norm=1.0, sparse=True'
        """
        parts = [f"{self.num_embeddings}, {self.embedding_dim}"]
        if self.padding_idx is not None:
            parts.append(f"padding_idx={self.padding_idx}")
        if self.max_norm is not None:
            parts.append(f"max_norm={self.max_norm}")
        if self.norm_type != 2:
            parts.append(f"norm_type={self.norm_type}")
        if self.scale_grad_by_freq is not False:
            parts.append(f"scale_grad_by_freq={self.scale_grad_by_freq}")
        if self.sparse is not False:
            parts.append("sparse=True")
        # Shown only when switched off, so that the default text stays PyTorch's.
        if not self.check_ids:
            parts.append("check_ids=False")
        return ", ".join(parts)

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """Wrap an existing 2-D tensor as an :class:`Embedding`, sharing its memory.

        The tensor is used as it is: nothing is copied and the padding row keeps
        whatever it holds.

        Args:
            embeddings (torch.Tensor): the table, of shape ``(num_embeddings, embedding_dim)``.
            freeze (bool): keep the table fixed (``weight.requires_grad = False``).
                Default: ``True``.
            padding_idx (int, optional): see :class:`Embedding`.
            max_norm (float, optional): see :class:`Embedding`.
            norm_type (float): see :class:`Embedding`. Default: ``2``.
            scale_grad_by_freq (bool): see :class:`Embedding`. Default: ``False``.
            sparse (bool): see :class:`Embedding`. Default: ``False``.

        Raises:
            embedlab.WeightShapeError: if ``embeddings`` is not 2-D (also an
                :class:`AssertionError`, as in PyTorch).

        Examples::

            >>> vectors = torch.tensor([[1.0, 2.3, 3.0], [4.0, 5.1, 6.3]])
            >>> table = Embedding.from_pretrained(vectors)
            >>> table(torch.tensor([1]))
            tensor([[4.0000, 5.1000, 6.3000]])
            >>> table.weight.data_ptr() == vectors.data_ptr(), table.weight.requires_grad
            (True, False)
        """
        if embeddings.dim() != 2:
            raise WeightShapeError(
                f"embeddings must be 2-D (num_embeddings, embedding_dim), got "
                f"{embeddings.dim()}-D with shape {tuple(embeddings.shape)} "
                "(Embeddings parameter is expected to be 2-dimensional)"
            )
        rows, cols = embeddings.shape
        return cls(
            num_embeddings=rows,
            embedding_dim=cols,
            _weight=embeddings,
            _freeze=freeze,
            padding_idx=padding_idx,
            max_norm=max_norm,
            norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq,
            sparse=sparse,
        )
