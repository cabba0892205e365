"""embedlab.atomic.atomic_write: a file is wholly replaced, or left byte for byte as it was."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

import embedlab.atomic
from embedlab.atomic import atomic_write

OLD = "2 1\nold 1.0\nfile 2.0\n".encode()


def names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


@pytest.mark.parametrize(("mode", "content"), [("w", "héllo\n"), ("wb", b"\x00\xffbytes")])
def test_replaces_the_file(tmp_path: Path, mode: str, content: str | bytes) -> None:
    path = tmp_path / "out.txt"
    path.write_bytes(OLD)
    encoding = "utf-8" if mode == "w" else None
    with atomic_write(path, mode, encoding=encoding) as file:
        file.write(content)
        # Until the block ends, the old file is still there, whole.
        assert path.read_bytes() == OLD
    expected = content.encode("utf-8") if isinstance(content, str) else content
    assert path.read_bytes() == expected
    assert names(tmp_path) == ["out.txt"]


def test_creates_a_new_file_with_the_umask_permissions(tmp_path: Path) -> None:
    path = tmp_path / "new.bin"
    with atomic_write(str(path), "wb") as file:
        file.write(b"x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    assert path.read_bytes() == b"x"


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    path = tmp_path / "script.sh"
    path.write_bytes(OLD)
    path.chmod(0o751)
    with atomic_write(path, "w", encoding="ascii") as file:
        file.write("echo\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o751 and path.read_text() == "echo\n"


class FailingWriter:
    """A file whose disk fills up after ``room`` bytes: it writes what fits, then raises."""

    def __init__(self, file, room: int) -> None:  # noqa: ANN001
        self.file, self.room = file, room

    def write(self, data: bytes) -> int:
        if len(data) > self.room:
            self.file.write(data[: self.room])
            self.room = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return self.file.write(data)


def encoding_error(file) -> None:  # noqa: ANN001
    file.write("a good start\n")
    file.write("then a lone surrogate \udcff\n")


def disk_full(file) -> None:  # noqa: ANN001
    disk = FailingWriter(file, room=5)
    disk.write(b"four")
    disk.write(b"more than fits")


@pytest.mark.parametrize(
    ("mode", "writer", "error"),
    [("w", encoding_error, UnicodeEncodeError), ("wb", disk_full, OSError)],
    ids=["encoding-error", "disk-full"],
)
@pytest.mark.parametrize("existing", [True, False], ids=["replacing", "new"])
def test_a_failure_mid_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, mode: str, writer, error: type, existing: bool  # noqa: ANN001
) -> None:
    path = tmp_path / "vectors.txt"
    if existing:
        path.write_bytes(OLD)
    with pytest.raises(error):
        with atomic_write(path, mode, encoding="utf-8" if mode == "w" else None) as file:
            writer(file)
    assert names(tmp_path) == (["vectors.txt"] if existing else [])
    if existing:
        assert path.read_bytes() == OLD


def test_a_failed_fsync_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "out.json"
    path.write_bytes(OLD)

    def fsync(descriptor: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(embedlab.atomic.os, "fsync", fsync)
    with pytest.raises(OSError, match="Input/output error"):
        with atomic_write(path, "wb") as file:
            file.write(b"new content")
    assert path.read_bytes() == OLD and names(tmp_path) == ["out.json"]


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="mode must be 'w' or 'wb', got 'a'"):
        with atomic_write(tmp_path / "x", "a"):
            pass
    with pytest.raises(ValueError, match="encoding is for text mode 'w' only, got encoding='utf-8'"):
        with atomic_write(tmp_path / "x", "wb", encoding="utf-8"):
            pass
    with pytest.raises(IsADirectoryError, match="is a folder: expected the path of a file to write"):
        with atomic_write(tmp_path, "wb"):
            pass
    with pytest.raises(FileNotFoundError, match="its folder .*missing.* does not exist"):
        with atomic_write(tmp_path / "missing" / "x", "wb"):
            pass
    assert names(tmp_path) == []


def test_an_interrupt_mid_write_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    path.write_bytes(OLD)
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(path, "wb") as file:
            file.write(b"half")
            raise KeyboardInterrupt
    assert path.read_bytes() == OLD and names(tmp_path) == ["out.txt"]
