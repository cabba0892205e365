"""What the benchmark compares: every way of looking rows up (and of sending gradients back).

Each :class:`Method` turns a :class:`Workload` (the table, the ids and whatever else one
call needs, built once per vocabulary size) into a zero-argument callable that performs
one call, and says how many bytes such a call reads and writes by the cost model, the
figure that, divided by the machine's memory bandwidth, estimates its time (not a lower
bound: the model counts temporaries, like the one-hot matrix, that can stay in cache).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

import embedlab.functional as F_el
from embedlab.onehot import lookup_cost, onehot_cost, onehot_lookup
from embedlab.scratch import scatter_add_rows

__all__ = [
    "DTYPES",
    "GROUPS",
    "METHODS",
    "Method",
    "Workload",
    "make_workload",
    "skip_reason",
    "table_memory",
]

#: The dtypes the benchmark accepts, by the name the command line uses.
DTYPES: dict[str, torch.dtype] = {
    "float32": torch.float32,
    "float64": torch.float64,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
}

#: Bytes per id: the benchmark looks up int64 ids, PyTorch's default.
INDEX_ITEMSIZE = 8


@dataclass
class Workload:
    """Everything the calls for one vocabulary size share, built by :func:`make_workload`.

    The NumPy fields are ``None`` off the CPU and for dtypes NumPy lacks.

    Attributes:
        batch: ids per call, ``B``.
        vocab: rows of the table, ``V``.
        dim: columns of the table, ``D``.
        weight: the ``(V, D)`` table, a leaf that requires grad (as in training), on the
            benchmark's device.
        ids: ``B`` int64 ids drawn uniformly from ``[0, V)``, on the same device.
        rows: the distinct ids.
        saved: a copy of their rows, which the ``max_norm`` calls write back before each
            call so that every call has rows to renorm.
        max_norm: a third of the typical row norm, so most looked-up rows get scaled.
        weight_np: the table as a NumPy array (sharing memory).
        ids_np: the ids as a NumPy array.
        dout_np: ``B`` rows of upstream gradient for the NumPy backward passes.
        grad_np: the ``(V, D)`` gradient the NumPy backward passes add into.
    """

    batch: int
    vocab: int
    dim: int
    weight: torch.Tensor
    ids: torch.Tensor
    rows: torch.Tensor
    saved: torch.Tensor
    max_norm: float
    weight_np: np.ndarray | None = None
    ids_np: np.ndarray | None = None
    dout_np: np.ndarray | None = None
    grad_np: np.ndarray | None = None

    @property
    def itemsize(self) -> int:
        return self.weight.element_size()

    @property
    def distinct(self) -> int:
        """How many distinct ids the batch holds (fewer than ``B`` when ``V`` is small)."""
        return int(self.rows.numel())

    def reset(self) -> None:
        """Drop the gradient and put back the rows a ``max_norm`` call scaled."""
        self.weight.grad = None
        with torch.no_grad():
            self.weight.index_copy_(0, self.rows, self.saved)


def make_workload(
    batch: int, vocab: int, dim: int, dtype: torch.dtype, device: torch.device | str, seed: int = 0
) -> Workload:
    """Build the table, ids and buffers every method shares for one vocabulary size.

    Random numbers are drawn on the CPU with a seeded generator and then moved, so every
    device sees the same table and ids.

    Examples::

        >>> w = make_workload(batch=8, vocab=5, dim=3, dtype=torch.float32, device="cpu")
        >>> w.weight.shape, w.ids.shape, w.weight.requires_grad
        (torch.Size([5, 3]), torch.Size([8]), True)
        >>> w.grad_np.shape
        (5, 3)
    """
    generator = torch.Generator().manual_seed(seed)
    # uniform_ rather than randn: the same spread of norms, drawn several times faster,
    # which matters for a 1e6-row table.
    weight = torch.empty(vocab, dim).uniform_(-1.7, 1.7, generator=generator)
    ids = torch.randint(0, vocab, (batch,), generator=generator)
    dout = torch.empty(batch, dim).uniform_(-1.0, 1.0, generator=generator)
    device = torch.device(device)
    weight = weight.to(device=device, dtype=dtype).requires_grad_()
    ids = ids.to(device)
    rows = ids.unique()
    workload = Workload(
        batch=batch,
        vocab=vocab,
        dim=dim,
        weight=weight,
        ids=ids,
        rows=rows,
        saved=weight.detach().index_select(0, rows).clone(),
        # Rows are uniform in [-1.7, 1.7]^D, of norm about sqrt(D); a third of that is
        # exceeded by nearly every row.
        max_norm=dim**0.5 / 3,
    )
    if device.type == "cpu" and dtype in (torch.float32, torch.float64, torch.float16):
        workload.weight_np = weight.detach().numpy()
        workload.ids_np = ids.numpy()
        workload.dout_np = dout.to(dtype).numpy()
        # np.zeros gets zeroed pages from the OS lazily; only rows that are written get touched.
        workload.grad_np = np.zeros((vocab, dim), dtype=workload.weight_np.dtype)
    return workload


Call = Callable[[], object]


@dataclass(frozen=True)
class Method:
    """One way of performing a lookup (or its backward), timed by the benchmark.

    Attributes:
        name: the name the command line and the JSON use.
        group: what it computes: ``"forward"``, ``"fwd+bwd dense"``, ``"fwd+bwd sparse"``,
            ``"NumPy backward"`` or ``"max_norm"``.
        description: the code it times, for the report.
        make: builds the zero-argument call from a :class:`Workload`.
        bytes_moved: ``(B, U, V, D, itemsize) -> bytes`` that the call must read and write
            at least, ``U`` being the number of distinct ids.
        numpy: runs on NumPy arrays (CPU only, no bfloat16).
        onehot: builds a ``B x V`` one-hot matrix, so it is skipped above the memory budget.
    """

    name: str
    group: str
    description: str
    make: Callable[[Workload], Call]
    bytes_moved: Callable[[int, int, int, int, int], int]
    numpy: bool = False
    onehot: bool = False

    def extra_memory(self, batch: int, vocab: int, dim: int, itemsize: int) -> int:
        """Bytes one call allocates besides its inputs, by the cost model (for the budget)."""
        if self.onehot:
            extra = onehot_cost(batch, vocab, dim, itemsize).extra_memory
            # the backward adds a dense (V, D) gradient
            return extra + (vocab * dim * itemsize if self.group != "forward" else 0)
        return 0


# Bytes that a lower bound must count, for B ids (U of them distinct), a (V, D) table and
# itemsize-byte floats. The forward figures are chapter 1's cost model; the backward adds
# what its output must at least be made of.
def _lookup(b: int, u: int, v: int, d: int, s: int) -> int:
    return lookup_cost(b, v, d, s, INDEX_ITEMSIZE).bytes_moved


def _onehot(b: int, u: int, v: int, d: int, s: int) -> int:
    return onehot_cost(b, v, d, s).bytes_moved


def _dense_backward(b: int, u: int, v: int, d: int, s: int) -> int:
    # zero the (V, D) gradient, read the ids and the B gradient rows, add into U rows
    return v * d * s + b * INDEX_ITEMSIZE + b * d * s + 2 * u * d * s


def _sparse_backward(b: int, u: int, v: int, d: int, s: int) -> int:
    # read ids and gradient rows, write them as the COO indices and values
    return 2 * (b * INDEX_ITEMSIZE + b * d * s)


def _onehot_backward(b: int, u: int, v: int, d: int, s: int) -> int:
    # X.T @ G: read the (B, V) one-hot matrix and G, write the (V, D) gradient
    return b * v * s + b * d * s + v * d * s


def _numpy_scatter(b: int, u: int, v: int, d: int, s: int) -> int:
    # read ids and dout, read and write the U rows of dW
    return b * INDEX_ITEMSIZE + b * d * s + 2 * u * d * s


def _max_norm(b: int, u: int, v: int, d: int, s: int) -> int:
    # the timed call first restores the U rows (read saved, write rows), then the renorm
    # reads and writes them, then the lookup
    return 4 * u * d * s + u * INDEX_ITEMSIZE + _lookup(b, u, v, d, s)


def _forward(fn: Callable[..., torch.Tensor], **kwargs: object) -> Callable[[Workload], Call]:
    def make(w: Workload) -> Call:
        ids, weight = w.ids, w.weight
        return lambda: fn(ids, weight, **kwargs)

    return make


def _backward(fn: Callable[..., torch.Tensor], **kwargs: object) -> Callable[[Workload], Call]:
    # .sum().backward() hands the backward an expanded (stride-0) gradient, the common
    # case in tutorials; dropping .grad first keeps accumulation out of the figure.
    def make(w: Workload) -> Call:
        ids, weight = w.ids, w.weight

        def call() -> None:
            weight.grad = None
            fn(ids, weight, **kwargs).sum().backward()

        return call

    return make


def _max_norm_call(fn: Callable[..., torch.Tensor]) -> Callable[[Workload], Call]:
    # Once renormed, rows would stay under max_norm and later calls would only compute
    # norms; so each call first writes the original rows back (U rows, the same for both
    # implementations, which makes their ratio conservative).
    def make(w: Workload) -> Call:
        ids, weight, rows, saved, max_norm = w.ids, w.weight, w.rows, w.saved, w.max_norm
        data = weight.detach()

        def call() -> torch.Tensor:
            data.index_copy_(0, rows, saved)
            return fn(ids, weight, max_norm=max_norm)

        return call

    return make


def _numpy_index(w: Workload) -> Call:
    weight, ids = w.weight_np, w.ids_np
    return lambda: weight[ids]


def _numpy_add_at(w: Workload) -> Call:
    grad, ids, dout = w.grad_np, w.ids_np, w.dout_np
    return lambda: np.add.at(grad, ids, dout)


def _numpy_scatter_add_rows(w: Workload) -> Call:
    grad, ids, dout = w.grad_np, w.ids_np, w.dout_np
    return lambda: scatter_add_rows(grad, ids, dout)


def _index_select(ids: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    return weight.index_select(0, ids)


_METHODS = (
    Method("onehot", "forward", "embedlab.onehot.onehot_lookup(ids, W)", _forward(onehot_lookup), _onehot, onehot=True),
    Method("numpy", "forward", "W[ids] (NumPy)", _numpy_index, _lookup, numpy=True),
    Method("index_select", "forward", "W.index_select(0, ids)", _forward(_index_select), _lookup),
    Method("F.embedding", "forward", "F.embedding(ids, W)", _forward(F.embedding), _lookup),
    Method("embedlab", "forward", "embedlab.functional.embedding(ids, W)", _forward(F_el.embedding), _lookup),
    Method(
        "onehot-bwd", "fwd+bwd dense", "onehot_lookup(ids, W).sum().backward()", _backward(onehot_lookup),
        lambda *a: _onehot(*a) + _onehot_backward(*a), onehot=True,
    ),
    Method(
        "F.embedding-bwd", "fwd+bwd dense", "F.embedding(ids, W).sum().backward()", _backward(F.embedding),
        lambda *a: _lookup(*a) + _dense_backward(*a),
    ),
    Method(
        "embedlab-bwd", "fwd+bwd dense", "embedlab ... .sum().backward()", _backward(F_el.embedding),
        lambda *a: _lookup(*a) + _dense_backward(*a),
    ),
    Method(
        "F.embedding-sparse", "fwd+bwd sparse", "F.embedding(ids, W, sparse=True)...backward()",
        _backward(F.embedding, sparse=True), lambda *a: _lookup(*a) + _sparse_backward(*a),
    ),
    Method(
        "embedlab-sparse", "fwd+bwd sparse", "embedlab ... sparse=True)...backward()",
        _backward(F_el.embedding, sparse=True), lambda *a: _lookup(*a) + _sparse_backward(*a),
    ),
    Method("np.add.at", "NumPy backward", "np.add.at(dW, ids, dout)", _numpy_add_at, _numpy_scatter, numpy=True),
    Method(
        "scatter_add_rows", "NumPy backward", "embedlab.scratch.scatter_add_rows(dW, ids, dout)",
        _numpy_scatter_add_rows, _numpy_scatter, numpy=True,
    ),
    Method("F.embedding-max_norm", "max_norm", "F.embedding(ids, W, max_norm=m)", _max_norm_call(F.embedding), _max_norm),
    Method(
        "embedlab-max_norm", "max_norm", "embedlab ... max_norm=m)", _max_norm_call(F_el.embedding), _max_norm,
    ),
)

#: Every method, by name, in the order the report lists them.
METHODS: dict[str, Method] = {method.name: method for method in _METHODS}

#: The groups, in report order.
GROUPS: tuple[str, ...] = ("forward", "fwd+bwd dense", "fwd+bwd sparse", "NumPy backward", "max_norm")


def table_memory(vocab: int, dim: int, dtype: torch.dtype, device: torch.device) -> int:
    """Bytes :func:`make_workload` holds for a ``(vocab, dim)`` table, whatever runs.

    That is the float32 table drawn on the CPU and the table in ``dtype`` on
    ``device``, the same tensor for float32 on the CPU. (The NumPy backward passes'
    gradient is left out: its pages are zeroed lazily, and a call touches only the
    rows of its ids.)

    Examples::

        >>> table_memory(1000, 100, torch.float32, torch.device("cpu"))
        400000
        >>> table_memory(1000, 100, torch.float16, torch.device("cpu"))  # float32 first
        600000
    """
    itemsize = torch.empty((), dtype=dtype).element_size()
    cells = vocab * dim
    if dtype == torch.float32 and device.type == "cpu":
        return cells * 4
    return cells * 4 + cells * itemsize


def skip_reason(
    method: Method, batch: int, vocab: int, dim: int, dtype: torch.dtype, device: torch.device, memory_budget: int
) -> str | None:
    """Why ``method`` cannot run at these sizes, or ``None`` when it can.

    Every method needs the table (see :func:`table_memory`), and a dense backward its
    gradient too; a one-hot method also needs its ``B x V`` matrix. A method whose
    needs exceed ``memory_budget`` bytes is skipped.

    Examples::

        >>> skip_reason(METHODS["onehot"], 4096, 10**6, 128, torch.float32, torch.device("cpu"), 2**31)
        'needs 16.4 GB (one-hot matrix and output), over the memory budget of 2.15 GB'
        >>> skip_reason(METHODS["onehot"], 4096, 10**3, 128, torch.float32, torch.device("cpu"), 2**31) is None
        True
    """
    from embedlab.memory import format_bytes

    itemsize = torch.empty((), dtype=dtype).element_size()
    if method.numpy and device.type != "cpu":
        return f"NumPy runs on the CPU only, not on {device.type}"
    if method.numpy and dtype not in (torch.float32, torch.float64, torch.float16):
        return f"NumPy has no {str(dtype).removeprefix('torch.')}"
    tables = table_memory(vocab, dim, dtype, device)
    if method.group == "fwd+bwd dense":
        tables += vocab * dim * itemsize  # the dense gradient of the table
    if tables > memory_budget:
        return (
            f"needs {format_bytes(tables)} (the table and its copies and gradients), "
            f"over the memory budget of {format_bytes(memory_budget)}"
        )
    need = method.extra_memory(batch, vocab, dim, itemsize)
    if need > memory_budget:
        what = "one-hot matrix and output" if method.group == "forward" else "one-hot matrix, output and gradient"
        return f"needs {format_bytes(need)} ({what}), over the memory budget of {format_bytes(memory_budget)}"
    return None
