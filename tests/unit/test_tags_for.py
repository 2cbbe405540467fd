"""The tags of a resource's AWS resources, and the limit AWS puts on them."""

from __future__ import annotations

import pytest

from controller.api.service import EcsServiceStatus
from controller.naming import MAX_TAGS, Names
from controller.reconcile.engine import Context, Resource
from controller.reconcile.errors import Terminal


def _context() -> Context[EcsServiceStatus]:
    resource = Resource("EcsService", "demo", "api", "uid-1", 1, {}, {})
    return Context(resource, None, None, lambda *a: None, EcsServiceStatus)  # type: ignore[arg-type]


def test_user_tags_and_ownership_tags_are_merged() -> None:
    tags = _context().tags_for(Names("kudos", "test", "api"), {"team": "a"}, {"team": "b"})
    assert tags["team"] == "b"  # the later layer (the service) wins
    assert tags["kopilot.dev/owner-uid"] == "uid-1"


def test_more_tags_than_aws_takes_is_a_spec_error() -> None:
    names = Names("kudos", "test", "api")
    own = len(_context().tags_for(names))
    fits = {f"k{i}": "v" for i in range(MAX_TAGS - own)}
    assert len(_context().tags_for(names, fits)) == MAX_TAGS
    with pytest.raises(Terminal) as refused:
        _context().tags_for(names, {**fits, "one": "more"})
    assert refused.value.reason == "TooManyTags"
    assert f"come to {MAX_TAGS + 1}" in refused.value.message
