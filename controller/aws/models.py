"""botocore's service models kept lean: plain dicts without their documentation.

botocore keeps every JSON file it loads (endpoints, each service's model) in its loader's
cache for the life of the process, parsed into OrderedDicts and with the API reference's
prose in every shape. The operator needs neither: at 1,000 services the six models it uses
and endpoints.json took 19 MB of RSS, 13 MB lean. One loader is shared by the operator's
sessions (the shared one and each role's), so each model is held once.
"""

from __future__ import annotations

from typing import Any

import boto3
import botocore.session
from botocore.loaders import JSONFileLoader, Loader

# Prose only: the API reference's text of a shape, member, operation or service. A member
# *named* "documentation" is a dict (its shape), so only string values are dropped.
_PROSE_KEYS = frozenset({"documentation", "documentationUrl"})


def lean(node: Any) -> Any:
    """`node` as plain dicts and lists, without prose."""
    if isinstance(node, dict):
        return {
            key: lean(value)
            for key, value in node.items()
            if not (key in _PROSE_KEYS and isinstance(value, str))
        }
    if isinstance(node, list):
        return [lean(value) for value in node]
    return node


class LeanFileLoader(JSONFileLoader):  # type: ignore[misc]  # botocore is untyped
    def load_file(self, file_path: str) -> Any:
        data = super().load_file(file_path)
        return None if data is None else lean(data)


def lean_loader() -> Loader:
    return Loader(file_loader=LeanFileLoader())


def session_with(loader: Loader, **kwargs: Any) -> boto3.session.Session:
    """A boto3 session whose models come from `loader` (kwargs as boto3.session.Session)."""
    core = botocore.session.get_session()
    core.register_component("data_loader", loader)
    made = boto3.session.Session(botocore_session=core, **kwargs)
    # boto3 adds its own data directory to the loader's paths with each session: once is enough.
    loader.search_paths[:] = list(dict.fromkeys(loader.search_paths))
    return made
