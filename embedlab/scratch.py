"""The embedding layer from scratch, in NumPy, in the style of *Deep Learning from Scratch 2*.

An embedding layer is a lookup: the forward pass picks rows of a weight matrix
``W`` of shape ``(V, D)``, one row per id. It gives the same numbers as
multiplying one-hot vectors by ``W``, without building the one-hot vectors.

The backward pass sends each row of the upstream gradient ``dout`` back to the
row of ``W`` it came from. The tempting one-liner ::

    dW[ids] = dout

is wrong as soon as an id repeats in the batch, which it nearly always does (the
word "the" appears many times in any batch of text). NumPy's fancy assignment
writes each row once, so when id 2 appears twice only one of its two gradient
rows survives and the other is silently lost. ``dW[ids] += dout`` is wrong the
same way: it reads ``dW[ids]``, adds, and writes back, so duplicates overwrite
one another. The gradient of a row used ``k`` times is the *sum* of its ``k``
upstream rows, which is what :func:`scatter_add_rows` computes.

>>> import numpy as np
>>> ids = np.array([2, 2])
>>> dout = np.ones((2, 3))
>>> dW = np.zeros((4, 3))
>>> dW[ids] = dout
>>> dW[2].tolist()      # one of the two gradients was lost
[1.0, 1.0, 1.0]
>>> scatter_add_rows(np.zeros((4, 3)), ids, dout)[2].tolist()
[2.0, 2.0, 2.0]
"""

from __future__ import annotations

import numpy as np

from embedlab._checks import check_ids_in_range, check_index_dtype

__all__ = ["Embedding", "scatter_add_rows"]


def _check_dout(dout: np.ndarray, ids_shape: tuple[int, ...], embedding_dim: int) -> None:
    expected = (*ids_shape, embedding_dim)
    if dout.shape != expected:
        raise ValueError(f"dout must have shape ids.shape + (embedding_dim,) = {expected}, got {dout.shape}")


def scatter_add_rows(dW: np.ndarray, ids: np.ndarray, dout: np.ndarray) -> np.ndarray:
    r"""Add each row of ``dout`` into row ``ids[i]`` of ``dW``, in place, summing over repeated ids.

    It computes the same as ``np.add.at(dW, ids, dout)``, faster: with NumPy 2.4,
    1.2 to 3.7 times in one run of ``benchmarks/scatter_add.py`` (B = 4096, D = 128,
    V = 100 to 10**6, on 2 shared CPU cores). ``np.add.at`` was far slower before
    NumPy 1.25, which added its fast path.

    Args:
        dW (numpy.ndarray): the gradient to add into, C-contiguous, shape ``(V, D)``.
        ids (numpy.ndarray): integer ids in ``[0, V)``, of any shape.
        dout (numpy.ndarray): the rows to add, one per id.

    Shape:
        - dW: :math:`(V, D)`
        - ids: :math:`(*)`, any shape
        - dout: :math:`(*, D)`, the shape of ``ids`` followed by ``D``
        - Output: :math:`(V, D)`, ``dW`` itself

    Returns:
        numpy.ndarray: ``dW``, updated in place.

    Examples::

        >>> dW = np.zeros((4, 2))
        >>> ids = np.array([[0, 2], [2, 2]])
        >>> dout = np.arange(8.0).reshape(2, 2, 2)
        >>> scatter_add_rows(dW, ids, dout)
        array([[ 0.,  1.],
               [ 0.,  0.],
               [12., 15.],
               [ 0.,  0.]])
    """
    if dW.ndim != 2:
        raise ValueError(f"dW must be 2-D with shape (num_embeddings, embedding_dim), got shape {dW.shape}")
    if not dW.flags.c_contiguous:
        # Otherwise dW.reshape(-1) below would be a copy and the sum would be lost.
        raise ValueError(f"dW must be C-contiguous; pass np.ascontiguousarray(dW) (shape {dW.shape})")
    check_index_dtype(ids, name="ids")
    check_ids_in_range(ids, dW.shape[0], "num_embeddings")
    _check_dout(dout, ids.shape, dW.shape[1])

    d = dW.shape[1]
    # intp so that ids * d neither overflows (int32 ids, V * D >= 2**31) nor
    # turns into float (uint64 ids mixed with the int64 arange).
    ids = np.asarray(ids).reshape(-1).astype(np.intp, copy=False)
    dout = dout.reshape(-1, d)

    # Two passes, because each of the two fast tools handles half of the job:
    # 1. The first occurrence of each id goes in with a buffered `+=`, which
    #    copies whole rows and is safe here because these rows are distinct.
    #    With a large vocabulary this is nearly every row.
    # 2. The repeats go in with np.add.at on a flat view, treating dW as one
    #    long vector: NumPy's fast path for a 1-D index is several times
    #    faster than np.add.at with a row index (which is its slow path).
    # Measured, B = 4096 ids, D = 128, float32, NumPy 2.4, 2 shared CPU cores;
    # fastest of 25 interleaved rounds, steadier there than the medians that
    # benchmarks/scatter_add.py prints (which rank the candidates the same way):
    #   V            1e2   1e3   1e4   1e5   1e6   (ms)
    #   add.at 2-D   5.6   6.3   6.3   6.7   7.1
    #   flat only    1.2   1.8   2.1   2.6   2.9
    #   two passes   1.6   1.9   1.8   1.8   1.9
    # The flat pass alone wins when nearly every id repeats (V = 100), but its
    # element-wise writes slow down as they spread over a larger dW; the two
    # passes stay faster than np.add.at 2-D at every size (1.2x to 3.7x in a later
    # run of the benchmark, under heavier load). np.bincount,
    # argsort + np.add.reduceat and np.unique + a one-hot matmul were slower.
    rows, first = np.unique(ids, return_index=True)
    dW[rows] += dout[first]
    repeat = np.ones(ids.size, dtype=bool)
    repeat[first] = False
    offsets = ids[repeat, None] * d + np.arange(d)
    np.add.at(dW.reshape(-1), offsets.reshape(-1), dout[repeat].reshape(-1))
    return dW


class Embedding:
    r"""A lookup table of row vectors, with a hand-written backward pass.

    It follows the layer interface of *Deep Learning from Scratch 2* (Saito),
    chapter 4: the weight lives in ``params``, its gradient in ``grads``, and
    ``forward``/``backward`` are called by hand. The layer keeps a reference to
    ``W`` (it does not copy it), so an optimizer that updates ``params[0]`` in
    place updates the layer, and ``backward`` fills ``grads[0]`` in place, so
    the optimizer's reference to the gradient stays valid.

    Args:
        W (numpy.ndarray): the weight, a 2-D float array; row ``i`` is the vector of id ``i``.
        padding_idx (int, optional): an id whose row gets no gradient, so it
            keeps whatever it holds (initialise it to zeros for a "no token"
            vector). Negative values count from the end, as in PyTorch.
            Default: ``None``.

    Attributes:
        params (list of numpy.ndarray): ``[W]``.
        grads (list of numpy.ndarray): ``[dW]``, same shape and dtype as ``W``.
        padding_idx (int or None): ``padding_idx``, made non-negative.

    Shape:
        - W: :math:`(V, D)`, ``V`` = num_embeddings, ``D`` = embedding_dim
        - Input: :math:`(*)`, integer ids of any shape
        - Output: :math:`(*, D)`

    Examples::

        >>> layer = Embedding(np.arange(12.0).reshape(4, 3))
        >>> layer.forward(np.array([[0, 2], [2, 3]])).shape
        (2, 2, 3)
        >>> layer.forward(np.array([2, 2]))
        array([[6., 7., 8.],
               [6., 7., 8.]])
        >>> layer.backward(np.ones((2, 3)))
        >>> layer.grads[0]
        array([[0., 0., 0.],
               [0., 0., 0.],
               [2., 2., 2.],
               [0., 0., 0.]])
    """

    def __init__(self, W: np.ndarray, padding_idx: int | None = None) -> None:
        if not isinstance(W, np.ndarray) or not np.issubdtype(W.dtype, np.floating):
            got = f"dtype {W.dtype}" if isinstance(W, np.ndarray) else type(W).__name__
            raise TypeError(f"W must be a numpy.ndarray of floats, got {got}")
        if W.ndim != 2:
            raise ValueError(f"W must be 2-D with shape (num_embeddings, embedding_dim), got shape {W.shape}")
        num_embeddings = W.shape[0]
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"padding_idx = {padding_idx} is out of range: expected "
                    f"{-num_embeddings} <= padding_idx < {num_embeddings} (num_embeddings={num_embeddings})"
                )
            padding_idx %= num_embeddings
        self.params = [W]
        # np.zeros, not np.zeros_like: scatter_add_rows needs a C-contiguous dW
        # even when W is a transposed or sliced view.
        self.grads = [np.zeros(W.shape, dtype=W.dtype)]
        self.padding_idx = padding_idx
        self.ids: np.ndarray | None = None

    def forward(self, ids: np.ndarray) -> np.ndarray:
        """Return the rows ``W[ids]`` (a copy), remembering ``ids`` for :meth:`backward`.

        Args:
            ids (numpy.ndarray): integer ids in ``[0, V)``, of any shape and integer dtype.

        Shape:
            - ids: :math:`(*)`
            - Output: :math:`(*, D)`

        Examples::

            >>> layer = Embedding(np.arange(6.0).reshape(3, 2))
            >>> layer.forward(np.array(1))
            array([2., 3.])
        """
        W = self.params[0]
        check_index_dtype(ids, name="ids")
        check_ids_in_range(ids, W.shape[0], "num_embeddings")
        # A copy, so that a caller who reuses the ids buffer for the next batch
        # does not change the gradient of this one.
        self.ids = np.array(ids)
        return W[self.ids]

    def backward(self, dout: np.ndarray) -> None:
        """Set ``grads[0]`` to the gradient of the loss with respect to ``W``, in place.

        Args:
            dout (numpy.ndarray): the gradient of the loss with respect to the
                output of the last :meth:`forward`.

        Shape:
            - dout: :math:`(*, D)`, the shape of the last ``forward`` output

        Examples::

            >>> layer = Embedding(np.zeros((3, 2)), padding_idx=-1)
            >>> _ = layer.forward(np.array([0, 2, 0]))
            >>> layer.backward(np.ones((3, 2)))
            >>> layer.grads[0]    # row 2 is padding: no gradient
            array([[2., 2.],
                   [0., 0.],
                   [0., 0.]])
        """
        if self.ids is None:
            raise RuntimeError("backward() was called before forward(): there are no ids to send dout back to")
        dW = self.grads[0]
        _check_dout(dout, self.ids.shape, dW.shape[1])
        # Zero and fill rather than rebind: an optimizer may hold grads[0].
        dW[...] = 0
        scatter_add_rows(dW, self.ids, dout)
        if self.padding_idx is not None:
            dW[self.padding_idx] = 0
