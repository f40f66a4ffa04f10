"""What documents the desk accepts, decided by their content, not their name.

Groups and advisers upload PDFs, Word and OpenDocument files, spreadsheets, photos
and plain text. The bytes must be what the name says (``filetype`` reads the magic
numbers, including which kind of zip a .docx is); HTML, SVG, scripts and
executables are refused whatever they are called, because a browser would run them.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass

import filetype
from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from config.errors import DomainError

# extension -> (what filetype must detect, the content type we serve it as)
ACCEPTED: dict[str, tuple[str | None, str]] = {
    "pdf": ("pdf", "application/pdf"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "doc": ("doc", "application/msword"),
    "odt": ("odt", "application/vnd.oasis.opendocument.text"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "ods": ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    "png": ("png", "image/png"),
    "jpg": ("jpg", "image/jpeg"),
    "jpeg": ("jpg", "image/jpeg"),
    "txt": (None, "text/plain"),
}
ACCEPTED_LABEL = (
    "PDF, Word (.docx, .doc), OpenDocument (.odt, .ods), Excel (.xlsx), PNG, JPEG or plain text"
)
_MARKUP = re.compile(rb"<\s*(!doctype|html|svg|script|iframe|object|embed|\?xml)", re.IGNORECASE)
NAME_MAX_LENGTH = 150


class UploadRefused(DomainError):
    """A document the desk will not keep; ``str()`` is a message for the uploader. The API
    answers 400 on ``file``, the name of an upload's input (an endpoint taking several
    files under another name says so itself)."""

    def api_body(self) -> dict[str, list[str]]:
        return {"file": [str(self)]}


@dataclass(frozen=True)
class DetectedFile:
    content: bytes
    name: str
    content_type: str
    size: int
    sha256: str


def clean_name(name: str) -> str:
    """A display name: no folders, control characters or path tricks; never used as a path."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(name) > NAME_MAX_LENGTH:
        stem, dot, ext = name.rpartition(".")
        name = (
            (stem[: NAME_MAX_LENGTH - len(ext) - 1] + dot + ext) if dot else name[:NAME_MAX_LENGTH]
        )
    return name or "document"


def _extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def _is_plain_text(content: bytes) -> bool:
    if b"\x00" in content or _MARKUP.search(content[:4096]):
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def validate_bytes(content: bytes, name: str) -> DetectedFile:
    """Accept ``content`` called ``name`` or raise ``UploadRefused`` saying why."""
    limit = settings.ATTACHMENT_MAX_BYTES
    display = clean_name(name)
    if len(content) > limit:
        raise UploadRefused(
            f"“{display}” is larger than {limit // (1024 * 1024)} MB. "
            "Please send a smaller file or split it."
        )
    if not content:
        raise UploadRefused(f"“{display}” is empty.")
    extension = _extension(display)
    if extension not in ACCEPTED:
        raise UploadRefused(f"“{display}” is not a type we accept. Please send {ACCEPTED_LABEL}.")
    expected, content_type = ACCEPTED[extension]
    if expected is None:
        ok = _is_plain_text(content)
    else:
        kind = filetype.guess(content)
        ok = kind is not None and kind.extension == expected
    if not ok:
        raise UploadRefused(
            f"“{display}” does not contain what its name says (a .{extension} file). "
            f"Please send {ACCEPTED_LABEL}."
        )
    return DetectedFile(
        content=content,
        name=display,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def validate_upload(upload: UploadedFile) -> DetectedFile:
    """Read an uploaded file (no more than the limit plus one byte) and validate it."""
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise UploadRefused(
            f"“{clean_name(upload.name or '')}” is larger than {limit // (1024 * 1024)} MB. "
            "Please send a smaller file or split it."
        )
    upload.seek(0)
    content = upload.read(limit + 1)
    return validate_bytes(content, upload.name or "")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input multiple> (the portal's reply, the desk's update to the
    group); ``max_files`` refuses more at once. Each file is checked by its content later,
    by the service (``validate_upload``)."""

    def __init__(self, *args, max_files: int | None = None, **kwargs):
        self.max_files = max_files
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in data if f] if isinstance(data, list | tuple) else [data] if data else []
        if self.max_files is not None and len(files) > self.max_files:
            raise forms.ValidationError(
                f"Please attach no more than {self.max_files} files at a time."
            )
        return [super(MultipleFileField, self).clean(f, initial) for f in files]
