"""Entity tags of resources (`ETag`) and the `If-Match` precondition of their PATCH and DELETE.

The tag is a digest of the resource's JSON representation: it changes whenever what a GET answers
changes, so a client that sends back the tag it read is refused (412) if someone wrote in between.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import Header, Response
from pydantic import BaseModel

from app.core.errors import PreconditionFailed

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=1000,
        description="the `ETag` of the version read; the write is refused (412) if it has changed since",
    ),
]

IfNoneMatch = Annotated[
    str | None,
    Header(
        alias="If-None-Match",
        max_length=1000,
        description="the `ETag` of the version held; 304 without a body if it is still the current one",
    ),
]


def etag_of_bytes(representation: bytes) -> str:
    return '"' + hashlib.sha256(representation).hexdigest()[:32] + '"'


def etag(resource: BaseModel) -> str:
    return etag_of_bytes(resource.model_dump_json().encode("utf-8"))


def tagged(response: Response, resource: BaseModel) -> None:
    """Put the resource's tag on the answer."""
    response.headers["ETag"] = etag(resource)


def check_if_match(if_match: str | None, current: BaseModel) -> None:
    """Refuse the write unless `If-Match` is absent, `*`, or lists the current tag (strong comparison)."""
    if if_match is None or tag_listed(if_match, etag(current)):
        return
    raise PreconditionFailed(
        "the resource has changed since the version given in If-Match: read it again (GET) and retry"
    )


def tag_listed(if_match: str, current: str) -> bool:
    """`If-Match` is `*` or lists the current tag (strong comparison)."""
    tags = [t.strip() for t in if_match.split(",")]
    return "*" in tags or current in tags


def not_modified(if_none_match: str, current: str) -> bool:
    """`If-None-Match` names the current tag, or is `*` (weak comparison, RFC 9110 13.1.2)."""
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or current in tags
