"""The media half of a backup: MEDIA_ROOT as a tar archive, each file's SHA-256 taken from
the very bytes written into the archive (and read back from it when checking)."""

import hashlib
import tarfile
from pathlib import Path
from typing import IO

from casework.backups.selectors import CHUNK, media_files

MEDIA_FILE = "media.tar"


class _Hashing:
    """A file read through: the digest sees exactly the bytes the archive gets."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.file.read(size)
        self.digest.update(data)
        return data


def media_archive(*, root: Path, target: Path) -> tuple[dict[str, str], int]:
    """Archive every file under ``root`` into ``target``; returns their checksums (by path
    relative to ``root``) and their total size in bytes."""
    checksums: dict[str, str] = {}
    total = 0
    with tarfile.open(target, "w") as archive:
        for path in media_files(root):
            name = path.relative_to(root).as_posix()
            info = archive.gettarinfo(str(path), arcname=name)
            info.uname = info.gname = ""
            with path.open("rb") as file:
                reader = _Hashing(file)
                archive.addfile(info, reader)  # reads info.size bytes
            checksums[name] = reader.digest.hexdigest()
            total += info.size
    return checksums, total


def archive_checksums(archive_path: Path) -> dict[str, str]:
    """SHA-256 of every file inside the archive, read back from it (``tarfile.TarError``
    or ``OSError`` if it cannot be read)."""
    checksums: dict[str, str] = {}
    with tarfile.open(archive_path, "r") as archive:
        for member in archive:
            file = archive.extractfile(member) if member.isfile() else None
            if file is None:
                continue
            digest = hashlib.sha256()
            for chunk in iter(lambda f=file: f.read(CHUNK), b""):  # type: ignore[misc]
                digest.update(chunk)
            checksums[member.name] = digest.hexdigest()
    return checksums


def media_extract(*, archive_path: Path, root: Path) -> None:
    """Unpack into ``root``; the ``data`` filter refuses absolute paths, ``..``, links
    out of ``root`` and device files."""
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive_path, "r") as archive:
        archive.extractall(root, filter="data")  # noqa: S202  # filtered
