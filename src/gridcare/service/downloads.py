"""Serving a stored attachment: the one HTTP response both the API and the portal use.

Files are never served from the web root; a view first reads the attachment through the
scoped selectors (404 outside the reader's scope), then calls `attachment_response`. The
response is always a download (`Content-Disposition: attachment`) with
`X-Content-Type-Options: nosniff` and a sandboxing CSP, so even a file that slipped past
the content check cannot run as a page of this site.
"""

from __future__ import annotations

from django.http import FileResponse

from gridcare.core.errors import NotFound
from gridcare.service.models import Attachment
from gridcare.service.services.uploads import attachment_path


def attachment_response(attachment: Attachment) -> FileResponse:
    path = attachment_path(attachment)
    if not path.is_file():
        raise NotFound("service.attachment.file_missing", "附件文件不存在", field="attachment_id")
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
