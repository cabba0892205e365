r"""An embedding table split row-wise over the ranks of a :mod:`torch.distributed` process group.

Each of the :math:`N` ranks (processes) holds :math:`1/N` of the rows (up to one row),
its *shard*. A lookup is data parallel: every rank brings its own batch of ids, sends
each distinct id to the rank that owns it, and gets the rows back. The backward pass
sends each gradient row back to the owner, so that each rank's optimizer updates its
own rows only.

The package, one idea per module:

- :mod:`~embedlab.distributed.placement`: which rank holds which row
  (``"contiguous"`` blocks or ``"modulo"``), and each rank's share of the lookups;
- :mod:`~embedlab.distributed.exchange`: moving rows between ranks;
- :mod:`~embedlab.distributed.sharded`: :class:`ShardedEmbedding`;
- :mod:`~embedlab.distributed.ddp`: DDP for the dense part of a model beside it;
- :mod:`~embedlab.distributed.checkpoint`: checkpoints that load at another world size;
- :mod:`~embedlab.distributed.traffic`: the bytes a rank sends, counted;
- :mod:`~embedlab.distributed.rowwise`: PyTorch's DTensor row-wise table beside it;
- :mod:`~embedlab.distributed.launch`: joining a process group on CPUs or GPUs.

Two ways to make the other ranks wait until the group's timeout, both inherent to
collectives:

- *An unused output.* A rank whose loss does not depend on the table's output never
  runs the backward exchange, and the ranks that do wait for it. Make every rank's
  loss depend on the output: ``loss = loss + 0 * output.sum()`` costs one reduction.
- *A rank that skips a lookup.* Every rank calls forward, in the same order, even
  with an empty batch.

Run ``python -m embedlab.distributed`` under ``torchrun`` for a demonstration that
the sharded table trains as one table, alone and beside DDP, and a comparison with
DTensor's row-wise table::

    torchrun --nproc-per-node 2 --master-addr 127.0.0.1 --master-port 29500 \
        -m embedlab.distributed
"""

from embedlab.distributed.ddp import data_parallel, sharded_names
from embedlab.distributed.exchange import EXCHANGES
from embedlab.distributed.launch import (
    device_for,
    free_loopback_port,
    init_from_env,
    init_loopback,
)
from embedlab.distributed.placement import (
    SHARDINGS,
    Placement,
    lookup_shares,
    shard_bounds,
    shard_sizes,
    zipf_ids,
)
from embedlab.distributed.sharded import GRAD_REDUCTIONS, ShardedEmbedding
from embedlab.distributed.traffic import SentBytes, lookup_traffic

__all__ = [
    "EXCHANGES",
    "GRAD_REDUCTIONS",
    "SHARDINGS",
    "Placement",
    "SentBytes",
    "ShardedEmbedding",
    "data_parallel",
    "device_for",
    "free_loopback_port",
    "init_from_env",
    "init_loopback",
    "lookup_shares",
    "lookup_traffic",
    "shard_bounds",
    "shard_sizes",
    "sharded_names",
    "zipf_ids",
]
