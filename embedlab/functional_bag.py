"""The chapters' import path for bags: :mod:`embedlab.functional.bag`, re-exported."""

from embedlab.functional.bag import MODES, BadOffsetsError, embedding_bag

__all__ = ["MODES", "BadOffsetsError", "embedding_bag"]
