"""Replace a file whole or leave it as it was: :func:`atomic_write`."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from typing import IO

__all__ = ["atomic_write"]

_MODES = ("w", "wb")


def _create_temporary(folder: str, name: str) -> tuple[int, str]:
    # os.open with mode 0o666 lets the umask decide the permissions, as open() would;
    # tempfile.mkstemp would make every file written this way private (0o600).
    while True:
        temporary = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue


def _fsync_folder(folder: str) -> None:
    # The rename is durable only once the folder's entry is on disk too; some systems
    # (Windows) cannot open a folder, and the data is safe there without it.
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike[str], mode: str = "w", *, encoding: str | None = None
) -> Iterator[IO]:
    r"""Open ``path`` for writing so that it is replaced all at once, or not at all.

    What is written goes to a temporary file in the same folder; when the ``with``
    block ends without an exception, that file is flushed, synced to disk with
    :func:`os.fsync` and moved onto ``path`` with :func:`os.replace`, which is atomic.
    If anything raises inside the block (an encoding error, a full disk), the
    temporary file is removed and ``path`` is left byte for byte as it was. A
    replaced file keeps its permission bits; a new one gets those :func:`open` gives.

    Args:
        path (str or os.PathLike): the file to write; its folder must exist.
        mode (str): ``"w"`` (text) or ``"wb"`` (bytes). Default: ``"w"``.
        encoding (str, optional): the text encoding, as for :func:`open`; only in
            text mode. Default: ``None`` (the locale's).

    Yields:
        file object: the open temporary file.

    Raises:
        ValueError: if ``mode`` is not ``"w"`` or ``"wb"``, or ``encoding`` is given
            with ``"wb"``.
        IsADirectoryError: if ``path`` is a folder.
        FileNotFoundError: if the folder of ``path`` does not exist.

    Examples::

        >>> import pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
        >>> with atomic_write(path, encoding="utf-8") as file:
        ...     _ = file.write("first\n")
        >>> with atomic_write(path, encoding="utf-8") as file:
        ...     _ = file.write("half of the second")
        ...     raise RuntimeError("interrupted")
        Traceback (most recent call last):
            ...
        RuntimeError: interrupted
        >>> path.read_text(encoding="utf-8")
        'first\n'
        >>> sorted(p.name for p in path.parent.iterdir())    # no temporary file left
        ['notes.txt']
    """
    if mode not in _MODES:
        raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
    if mode == "wb" and encoding is not None:
        raise ValueError(
            f"encoding is for text mode 'w' only, "
            f"got encoding={encoding!r} with mode 'wb'"
        )
    target = os.fspath(path)
    if os.path.isdir(target):
        raise IsADirectoryError(
            f"{target!r} is a folder: expected the path of a file to write"
        )
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"cannot write {target!r}: its folder {folder!r} does not exist"
        )
    descriptor, temporary = _create_temporary(folder, os.path.basename(target))
    try:
        with open(descriptor, mode, encoding=encoding) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_folder(folder)
