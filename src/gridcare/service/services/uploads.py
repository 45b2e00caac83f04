"""Attachments of a work order: ID cards, property proofs, site and repair photos.

`attachment_add(actor=, number=, kind=, upload=)` is the one way in (portal documents, the
crew's photos, the portal's fault photos). The rules, in the order they are checked:

1. The order must be visible to the actor (404 otherwise) and open; a customer may add to
   their own orders, staff need the permission to work orders.
2. Size: not empty, at most settings.UPLOAD_MAX_BYTES (GRIDCARE_UPLOAD_MAX_BYTES, 10 MB).
3. Type by CONTENT, never by name: JPEG, PNG, WebP, HEIC (Pillow + pillow-heif open and
   `verify()` it) or PDF (header `%PDF-` and an `%%EOF` trailer). Executables and markup
   (HTML, SVG: a script runs when a browser opens it) are refused by name.
4. The file name's extension and the declared content type must agree with the content:
   a JPEG declared as a PDF, or an .exe renamed .jpg, is refused.
5. Stored under settings.UPLOAD_ROOT (outside the static and web root) as
   `<yyyy>/<mm>/<random>.<ext>`, never under the customer's file name; its SHA-256 is kept.
   The file is written first, then the row; if the row fails the file is removed, and
   inside `files_atomic()` a rollback of the whole block removes every file it wrote.

Every refusal is a `DomainError` with a code `service.upload.*` and a Chinese message.
"""

from __future__ import annotations

import contextvars
import hashlib
import io
import secrets
import unicodedata
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath

import pillow_heif
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from gridcare.core.errors import Conflict, DomainError, PermissionDeniedError
from gridcare.core.models import User
from gridcare.service.choices import CLOSED_STATES, DocumentKind, EventKind
from gridcare.service.models import Attachment, WorkOrder, WorkOrderEvent
from gridcare.service.selectors import order_get_for_user
from gridcare.service.services import hooks
from gridcare.service.services.intake import OrderDraft, order_create

pillow_heif.register_heif_opener()

WORK = "service.work_workorder"
MAX_ATTACHMENTS_PER_ORDER = 30
NAME_MAX = 200


@dataclass(frozen=True)
class FileType:
    label: str
    content_type: str
    extensions: tuple[str, ...]


#: What is accepted, by the format Pillow reports (or "PDF").
ACCEPTED = {
    "JPEG": FileType("JPEG", "image/jpeg", (".jpg", ".jpeg")),
    "PNG": FileType("PNG", "image/png", (".png",)),
    "WEBP": FileType("WebP", "image/webp", (".webp",)),
    "HEIF": FileType("HEIC", "image/heic", (".heic", ".heif")),
    "PDF": FileType("PDF", "application/pdf", (".pdf",)),
}
#: Other spellings browsers and phones declare for the same types.
CONTENT_TYPE_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/heif": "image/heic",
    "image/x-png": "image/png",
}
#: Declared types that say nothing (a client that does not know): only the content decides.
UNINFORMATIVE_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})


@dataclass(frozen=True)
class Upload:
    """A file given as bytes (API clients, tasks, tests): its name and declared type."""

    name: str
    content: bytes
    content_type: str = ""


# --- Files written in the current `files_atomic()` block (removed if it rolls back) ---
_written: contextvars.ContextVar[list[Path] | None] = contextvars.ContextVar(
    "gridcare_upload_written", default=None
)


@contextmanager
def files_atomic() -> Iterator[None]:
    """`transaction.atomic()` that also removes the files written inside it when it rolls
    back. Use it around a use case that adds attachments and may still fail afterwards;
    nested blocks hand their files to the enclosing one."""
    outer = _written.get()
    mine: list[Path] = []
    token = _written.set(mine)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        for path in mine:
            path.unlink(missing_ok=True)
        raise
    finally:
        _written.reset(token)
    if outer is not None:
        outer.extend(mine)


def attachment_add(
    *, actor: User, number: str, kind: str, upload: UploadedFile | Upload
) -> Attachment:
    """Check `upload` by content and store it on order `number` as a `kind` document
    (service.choices.DocumentKind). Returns the Attachment; refusals store nothing."""
    order = order_get_for_user(user=actor, number=number)
    _check_may_attach(actor, order)
    if kind not in DocumentKind.values:
        raise DomainError("service.upload.bad_kind", "未知的附件类别", field="kind")
    name, declared, content = _read(upload)
    found = sniff(content)
    _check_agrees(name, declared, found)
    with files_atomic():
        order = WorkOrder.objects.select_for_update().get(pk=order.pk)
        if order.attachments.count() >= MAX_ATTACHMENTS_PER_ORDER:
            raise Conflict(
                "service.upload.too_many", f"每张工单最多 {MAX_ATTACHMENTS_PER_ORDER} 个附件"
            )
        relative = _store(content, found)
        attachment = Attachment.objects.create(
            order=order,
            kind=kind,
            path=relative,
            original_name=_clean_name(name, found),
            content_type=found.content_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by=actor,
        )
        event = WorkOrderEvent.objects.create(
            order=order,
            kind=EventKind.ATTACHMENT,
            actor=actor,
            note=f"{DocumentKind(kind).label}：{attachment.original_name}",
            data={"attachment_id": attachment.pk, "kind": kind},
        )
        hooks.after_event(order=order, event=event)
    return attachment


def upload_root() -> Path:
    return Path(settings.UPLOAD_ROOT)


def attachment_path(attachment: Attachment) -> Path:
    """The stored file of `attachment`, checked to lie under the upload root."""
    root = upload_root().resolve()
    path = (root / attachment.path).resolve()
    if not path.is_relative_to(root):
        raise DomainError("service.upload.bad_path", "附件路径无效")
    return path


def _check_may_attach(actor: User, order: WorkOrder) -> None:
    if not actor.is_customer and not actor.has_perm(WORK):
        raise PermissionDeniedError("service.upload.forbidden", "您没有权限为该工单添加附件")
    if order.state in CLOSED_STATES:
        raise Conflict("service.upload.order_closed", "工单已结束，不能再添加附件")


def _read(upload: UploadedFile | Upload) -> tuple[str, str, bytes]:
    """(name, declared type, content), refusing empty and oversized files before reading
    more than the limit."""
    limit = int(settings.UPLOAD_MAX_BYTES)
    if isinstance(upload, Upload):
        name, declared, content = upload.name, upload.content_type, upload.content
    else:
        name, declared = upload.name or "", upload.content_type or ""
        if upload.size is not None and upload.size > limit:
            raise _too_large(limit)
        upload.seek(0)
        content = upload.read(limit + 1)
    if not content:
        raise DomainError("service.upload.empty", "文件是空的，请重新选择", field="file")
    if len(content) > limit:
        raise _too_large(limit)
    return name, declared.split(";")[0].strip().lower(), content


def _too_large(limit: int) -> DomainError:
    megabytes = limit / (1024 * 1024)
    return DomainError(
        "service.upload.too_large", f"文件不能超过 {megabytes:g} MB", field="file", limit=limit
    )


def sniff(content: bytes) -> FileType:
    """The accepted type `content` really is, or a refusal saying what it looks like."""
    if content.startswith(b"%PDF-"):
        if b"%%EOF" not in content[-2048:]:
            raise DomainError("service.upload.broken_pdf", "PDF 文件不完整或已损坏", field="file")
        return ACCEPTED["PDF"]
    head = content[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if content.startswith((b"MZ", b"\x7fELF", b"#!")) or content[:4] in _MACHO:
        raise DomainError("service.upload.executable", "不接受可执行文件", field="file")
    if head.startswith(b"<") or b"<svg" in head or b"<script" in head or b"<html" in head:
        raise DomainError("service.upload.markup", "不接受网页、SVG 等可含脚本的文件", field="file")
    return ACCEPTED[_image_format(content)]


_MACHO = {b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe"}


def _image_format(content: bytes) -> str:
    """Pillow's name for the image format, after `verify()` read the whole structure."""
    unsupported = DomainError(
        "service.upload.unsupported_type",
        "仅支持 JPEG、PNG、WebP、HEIC 图片或 PDF 文档",
        field="file",
    )
    try:
        with warnings.catch_warnings():
            # A decompression bomb is refused, not merely warned about.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=list(_IMAGE_FORMATS)) as image:
                found = str(image.format)
                image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise unsupported from exc
    except Image.DecompressionBombWarning as exc:
        raise unsupported from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise DomainError(
            "service.upload.broken_image", "图片文件不完整或已损坏", field="file"
        ) from exc
    if found not in _IMAGE_FORMATS:
        raise unsupported
    return found


_IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")


def _check_agrees(name: str, declared: str, found: FileType) -> None:
    """The name's extension and the declared content type must say what the content is."""
    extension = PurePath(name.replace("\\", "/")).suffix.lower()
    if extension and extension not in found.extensions:
        raise DomainError(
            "service.upload.extension_mismatch",
            f"文件扩展名（{extension}）与文件内容（{found.label}）不符",
            field="file",
        )
    declared = CONTENT_TYPE_ALIASES.get(declared, declared)
    if declared not in UNINFORMATIVE_TYPES and declared != found.content_type:
        raise DomainError(
            "service.upload.type_mismatch",
            f"声明的文件类型（{declared}）与文件内容（{found.label}）不符",
            field="file",
        )


def _clean_name(name: str, found: FileType) -> str:
    """The customer's file name for display and downloads only: no folders, no control
    characters, at most NAME_MAX characters with its extension kept."""
    base = PurePath(name.replace("\\", "/")).name
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip(" .")
    if not base:
        return f"attachment{found.extensions[0]}"
    stem, suffix = base[: -len(PurePath(base).suffix) or None], PurePath(base).suffix
    return stem[: NAME_MAX - len(suffix)] + suffix


def _store(content: bytes, found: FileType) -> str:
    """Write `content` under a random name; returns the path relative to the upload root."""
    now = timezone.localtime()
    relative = f"{now:%Y}/{now:%m}/{secrets.token_hex(16)}{found.extensions[0]}"
    path = upload_root() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("xb") as handle:
        handle.write(content)
    written = _written.get()
    if written is not None:
        written.append(path)
    return relative


def order_create_with_photo(
    *, actor: User, draft: OrderDraft, photo: UploadedFile | Upload | None, kind: str
) -> WorkOrder:
    """A customer's report and its photo, all or nothing: a refused photo leaves no order
    (and no file) behind."""
    with files_atomic():
        order = order_create(actor=actor, draft=draft)
        if photo:
            attachment_add(actor=actor, number=order.number, kind=kind, upload=photo)
    return order
