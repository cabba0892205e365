"""embedlab.parameters: the memory model of a weight gradient matches PyTorch's tensors."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from embedlab.parameters import gradient_bytes, sparse_break_even, tensor_bytes


@pytest.mark.parametrize("padding_idx", [None, 0])
def test_model_matches_the_gradients_pytorch_produces(device: torch.device, padding_idx: int | None) -> None:
    vocab, dim = 50, 8
    ids = torch.tensor([[0, 3, 3, 7], [0, 0, 9, 3]], device=device)
    counted = int((ids != padding_idx).sum()) if padding_idx is not None else ids.numel()
    for sparse in (False, True):
        table = torch.nn.Embedding(vocab, dim, padding_idx=padding_idx, sparse=sparse, device=device)
        table(ids).sum().backward()
        assert table.weight.grad.is_sparse is sparse
        assert tensor_bytes(table.weight.grad) == gradient_bytes(vocab, dim, counted, sparse=sparse)


def test_tensor_bytes_counts_dtype_and_both_parts_of_a_sparse_tensor() -> None:
    assert tensor_bytes(torch.zeros(10, 3, dtype=torch.float64)) == 240
    assert tensor_bytes(torch.zeros(10, 3, dtype=torch.float16)) == 60
    sparse = torch.sparse_coo_tensor(torch.tensor([[1, 1]]), torch.ones(2, 3), (10, 3), check_invariants=True)
    assert tensor_bytes(sparse) == 2 * 8 + 2 * 3 * 4
    assert tensor_bytes(sparse.coalesce()) == 1 * 8 + 1 * 3 * 4


@pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta state")
def test_tensor_bytes_rejects_other_layouts() -> None:
    with pytest.raises(TypeError, match="sparse_csr"):
        tensor_bytes(torch.eye(3).to_sparse_csr())


def test_gradient_bytes_rejects_negative_sizes() -> None:
    with pytest.raises(ValueError, match="num_ids must be non-negative, got -1"):
        gradient_bytes(10, 3, -1)


def test_gradient_bytes_itemsizes() -> None:
    assert gradient_bytes(10, 3, 5, itemsize=2) == 60
    assert gradient_bytes(10, 3, 5, sparse=True, itemsize=2, index_itemsize=4) == 5 * (4 + 6)


@given(dim=st.integers(1, 512), ids=st.integers(0, 100_000), itemsize=st.sampled_from([2, 4, 8]))
def test_break_even_is_the_smallest_vocabulary_where_sparse_wins(dim: int, ids: int, itemsize: int) -> None:
    v = sparse_break_even(dim, ids, itemsize=itemsize)
    def wins(vocab: int) -> bool:
        return gradient_bytes(vocab, dim, ids, sparse=True, itemsize=itemsize) < gradient_bytes(
            vocab, dim, ids, itemsize=itemsize
        )
    assert wins(v) and (v == 0 or not wins(v - 1))


def test_break_even_rejects_zero_dim() -> None:
    with pytest.raises(ValueError, match="embedding_dim must be positive"):
        sparse_break_even(0, 10)
