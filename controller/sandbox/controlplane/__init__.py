"""The local Kubernetes control plane: real etcd and kube-apiserver processes on loopback."""

from .binaries import (
    ETCD_VERSION,
    KUBERNETES_VERSION,
    Binaries,
    ControlPlaneBinariesError,
    ensure_binaries,
    find_binaries,
)
from .server import ControlPlane

__all__ = [
    "ETCD_VERSION",
    "KUBERNETES_VERSION",
    "Binaries",
    "ControlPlane",
    "ControlPlaneBinariesError",
    "ensure_binaries",
    "find_binaries",
]
