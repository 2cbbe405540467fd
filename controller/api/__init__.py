"""The kopilot.dev/v1alpha1 API: pydantic models, CRD generation and the reference doc."""

from .app import EcsAppSpec, EcsAppStatus
from .common import API_VERSION, GROUP, VERSION, Condition
from .crd import KINDS, Kind, crd, crd_filename, crd_yaml
from .docs import api_markdown
from .environment import EcsEnvironmentSpec, EcsEnvironmentStatus
from .service import EcsServiceSpec, EcsServiceStatus

__all__ = [
    "API_VERSION",
    "GROUP",
    "KINDS",
    "VERSION",
    "Condition",
    "EcsAppSpec",
    "EcsAppStatus",
    "EcsEnvironmentSpec",
    "EcsEnvironmentStatus",
    "EcsServiceSpec",
    "EcsServiceStatus",
    "Kind",
    "api_markdown",
    "crd",
    "crd_filename",
    "crd_yaml",
]
