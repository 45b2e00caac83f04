"""The demo gateway's requests and answers, independent of how it is served (its own WSGI
application, or mounted in the GridCare site)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # below the gateway's prefix, e.g. /wechat/v3/pay/transactions/native
    query: str  # the raw query string
    headers: dict[str, str]  # lower-case names
    body: bytes

    def params(self) -> dict[str, str]:
        """Query string and form fields together (Alipay sends either)."""
        found = dict(parse_qsl(self.query, keep_blank_values=True))
        if "x-www-form-urlencoded" in self.headers.get("content-type", ""):
            found.update(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))
        return found


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, status: int, data: Any) -> Response:
        return cls.text(status, json.dumps(data, ensure_ascii=False), "application/json")

    @classmethod
    def text(cls, status: int, text: str, content_type: str = "text/plain") -> Response:
        return cls(
            status, text.encode("utf-8"), [("Content-Type", f"{content_type}; charset=utf-8")]
        )

    @classmethod
    def redirect(cls, url: str) -> Response:
        return cls(303, b"", [("Location", url)])
