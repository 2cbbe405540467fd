"""MaxResults/NextToken pagination with opaque tokens, as AWS list calls page."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def decode_token(token: str) -> int | None:
    try:
        prefix, _, number = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        offset = int(number)
    except (ValueError, UnicodeDecodeError):
        return None
    return offset if prefix == "offset" and offset >= 0 else None


def page(
    items: Sequence[T],
    max_results: int | None,
    next_token: str | None,
    *,
    default_size: int,
    invalid_token: Callable[[], Exception],
) -> tuple[list[T], str | None]:
    """One page of `items` and the token of the next page (None on the last page)."""
    start = 0
    if next_token:
        decoded = decode_token(next_token)
        if decoded is None:
            raise invalid_token()
        start = decoded
    size = max_results or default_size
    end = start + size
    return list(items[start:end]), (encode_token(end) if end < len(items) else None)


def page_request(
    items: Sequence[T],
    param: Callable[[str], Any],
    *,
    default_size: int,
    error: Callable[[str], Exception],
) -> tuple[list[T], str | None]:
    """page() for ECS's list calls (maxResults 1-100 is strict rule ecs.list-max-results):
    `param` reads the request's parameters, `error` makes the service's
    InvalidParameterException."""
    return page(
        items,
        param("maxResults"),
        param("nextToken"),
        default_size=default_size,
        invalid_token=lambda: error("Invalid nextToken."),
    )
