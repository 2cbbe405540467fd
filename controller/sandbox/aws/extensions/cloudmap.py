"""AWS Cloud Map (servicediscovery) as the AWS Cloud Map API Reference describes it.

moto finishes every operation at once, creates duplicates where AWS refuses them, refuses a
second private DNS namespace in a VPC whatever its name, deletes namespaces and services that
still hold children, and ignores filters and pagination. Each function below fixes one of
those and names the API reference section it follows.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from moto.core.exceptions import ServiceException
from moto.servicediscovery.exceptions import InvalidInput, NamespaceNotFound
from moto.servicediscovery.models import ServiceDiscoveryBackend, random_id
from moto.servicediscovery.responses import ServiceDiscoveryResponse

from .. import settings
from .paging import page

Backend = Any  # moto's ServiceDiscoveryBackend, untyped
Namespace = Any
CloudMapService = Any

# What moto does, kept to delegate to.
_moto = {
    name: getattr(ServiceDiscoveryBackend, name)
    for name in (
        "__init__",
        "create_http_namespace",
        "create_private_dns_namespace",
        "create_public_dns_namespace",
        "create_service",
        "delete_service",
        "register_instance",
        "deregister_instance",
        "update_service",
        "update_http_namespace",
        "update_private_dns_namespace",
        "update_public_dns_namespace",
    )
}


# -- errors, with the members AWS's error shapes carry ---------------------------------------


class NamespaceAlreadyExists(ServiceException):
    code = "NamespaceAlreadyExists"

    def __init__(self, namespace: Namespace) -> None:
        super().__init__(f"Namespace '{namespace.name}' already exists.")
        self.creator_request_id = namespace.creator_request_id
        self.namespace_id = namespace.id


class ServiceAlreadyExists(ServiceException):
    code = "ServiceAlreadyExists"

    def __init__(self, service: CloudMapService) -> None:
        super().__init__(
            f"A service named '{service.name}' already exists in namespace {service.namespace_id}."
        )
        self.creator_request_id = service.creator_request_id
        self.service_id = service.id
        self.service_arn = service.arn


class ResourceInUse(ServiceException):
    code = "ResourceInUse"


class DuplicateRequest(ServiceException):
    code = "DuplicateRequest"

    def __init__(self, operation_id: str) -> None:
        super().__init__("The operation is already in progress.")
        self.duplicate_operation_id = operation_id


# -- asynchronous operations ------------------------------------------------------------------


def init(self: Backend, region_name: str, account_id: str) -> None:
    _moto["__init__"](self, region_name, account_id)
    # Namespaces whose CREATE_NAMESPACE operation has not succeeded yet: invisible to callers.
    self.pending_namespaces = {}
    # What each unfinished operation does to the visible state when it succeeds.
    self.operation_effects = {}
    # Unfinished operations that end FAIL instead: their (ErrorCode, ErrorMessage).
    self.operation_failures = {}


def submit(
    backend: Backend,
    operation_id: str,
    effect: Callable[[], None] | None = None,
    failure: tuple[str, str] | None = None,
) -> str:
    """Make an operation asynchronous.

    Cloud Map API Reference, GetOperation / Operation.Status: an operation is SUBMITTED
    ("the initial state that occurs immediately after you submit a request"), then PENDING
    ("Cloud Map is performing the operation"), then SUCCESS - or FAIL, with an ErrorCode
    and ErrorMessage, when given a `failure`. Callers poll GetOperation.
    """
    operation = backend.operations[operation_id]
    if failure is not None:
        backend.operation_failures[operation_id] = failure
    if settings.current().operation_seconds <= 0:
        _finish(backend, operation, effect)
        return operation_id
    operation.status = "SUBMITTED"
    if effect is not None:
        backend.operation_effects[operation_id] = effect
    return operation_id


def _finish(backend: Backend, operation: Any, effect: Callable[[], None] | None) -> None:
    failure = backend.operation_failures.pop(operation.id, None)
    if failure is not None:
        operation.status = "FAIL"
        operation.error_code, operation.error_message = failure
        return
    operation.status = "SUCCESS"
    if effect is not None:
        effect()


def advance(backend: Backend, now: float) -> None:
    """Move operations along with the clock; a successful one takes effect."""
    delay = settings.current().operation_seconds
    for operation in list(backend.operations.values()):
        if operation.status not in ("SUBMITTED", "PENDING"):
            continue
        elapsed = now - operation.created
        if elapsed >= delay:
            operation.updated = operation.created + delay
            _finish(backend, operation, backend.operation_effects.pop(operation.id, None))
        elif elapsed >= delay / 2 and operation.status == "SUBMITTED":
            operation.status = "PENDING"
            operation.updated = operation.created + delay / 2


def _pending_operation(backend: Backend, op_type: str, target: str, target_id: str) -> str | None:
    for operation in backend.operations.values():
        if (
            operation.status in ("SUBMITTED", "PENDING")
            and operation.operation_type == op_type
            and operation.targets.get(target) == target_id
        ):
            return str(operation.id)
    return None


# -- namespaces -------------------------------------------------------------------------------


def find_namespace(backend: Backend, ref: str) -> Namespace | None:
    """A visible namespace by ID, ARN or name."""
    for namespace in backend.namespaces.values():
        if ref in (namespace.id, namespace.arn, namespace.name):
            return namespace
    return None


def _namespace_create(ns_type: str) -> Callable[..., str]:
    original = _moto[f"create_{ns_type.lower()}_namespace"]

    def create(self: Backend, name: str, creator_request_id: str, *args: Any, **kwargs: Any) -> str:
        """Cloud Map API Reference, CreateHttpNamespace / CreatePrivateDnsNamespace /
        CreatePublicDnsNamespace: CreatorRequestId "allows failed requests to be retried
        without the risk of running the operation twice" (a retry gets the first OperationId);
        any other request for an existing name fails with NamespaceAlreadyExists, which
        carries the CreatorRequestId and NamespaceId of the namespace that exists - except a
        private DNS namespace, whose name is unique per VPC and not refused up front (see
        _conflicting_private_namespace).
        """
        vpc = kwargs.get("vpc")
        for namespace in [*self.namespaces.values(), *self.pending_namespaces.values()]:
            if namespace.name == name and _same_kind(namespace, ns_type, vpc):
                if creator_request_id and namespace.creator_request_id == creator_request_id:
                    return str(namespace.creation_operation_id)
                if ns_type == "PRIVATE_DNS":
                    return _conflicting_private_namespace(self, name, vpc)
                raise NamespaceAlreadyExists(namespace)
        operation_id, namespace = _moto_create(
            original, self, name, creator_request_id, *args, **kwargs
        )
        namespace.creation_operation_id = operation_id
        self.pending_namespaces[namespace.id] = namespace

        def appear() -> None:
            self.namespaces[namespace.id] = self.pending_namespaces.pop(namespace.id)

        return submit(self, operation_id, appear)

    return create


def _moto_create(
    original: Callable[..., str], backend: Backend, *args: Any, **kwargs: Any
) -> tuple[str, Namespace]:
    """moto's create, kept out of the visible namespaces. moto refuses any second private DNS
    namespace in a VPC (ConflictingDomainExists), which AWS does not: it sees no others."""
    visible = backend.namespaces
    backend.namespaces = {}
    try:
        operation_id = original(backend, *args, **kwargs)
    finally:
        created, backend.namespaces = backend.namespaces, visible
    return operation_id, created[backend.operations[operation_id].targets["NAMESPACE"]]


def _same_kind(namespace: Namespace, ns_type: str, vpc: str | None) -> bool:
    # Private DNS namespaces of one name may exist once per VPC; the others once per Region.
    kind = {"HTTP": "HTTP", "PRIVATE_DNS": "DNS_PRIVATE", "PUBLIC_DNS": "DNS_PUBLIC"}[ns_type]
    return bool(namespace.type == kind and (kind != "DNS_PRIVATE" or namespace.vpc == vpc))


def _conflicting_private_namespace(backend: Backend, name: str, vpc: str | None) -> str:
    """A private DNS namespace whose name another one already has in the same VPC.

    Cloud Map API Reference, CreatePrivateDnsNamespace.Name: Cloud Map "automatically creates
    an Amazon Route 53 private hosted zone that has the same name as the namespace"; Route 53
    API Reference, CreateHostedZone, ConflictingDomainExists: "Create a private hosted zone:
    A hosted zone with the specified name already exists and is already associated with the
    Amazon VPC that you specified." Other names, overlapping ones too (a.local beside
    x.a.local), may share a VPC: Route 53 Developer Guide, "Considerations when working with a
    private hosted zone", private hosted zones that have overlapping namespaces. The request
    itself is accepted (ConflictingDomainExists is none of its errors); its CREATE_NAMESPACE
    operation ends FAIL with Operation.ErrorCode CANNOT_CREATE_HOSTED_ZONE and Route 53's
    message, and no namespace appears.
    """
    operation_id = backend._create_operation(
        "CREATE_NAMESPACE", {"NAMESPACE": f"ns-{random_id(20)}"}
    )
    message = (
        f"The VPC that you chose, {vpc} in region {backend.region_name}, is already associated "
        f"with another private hosted zone that has an overlapping name space, {name}.. "
        "(Service: AmazonRoute53; Status Code: 400; Error Code: ConflictingDomainExists; "
        f"Request ID: {uuid.uuid4()})"
    )
    return submit(backend, operation_id, failure=("CANNOT_CREATE_HOSTED_ZONE", message))


def create_http_namespace_now(backend: Backend, name: str) -> Namespace:
    """An HTTP namespace that exists at once, as the ones ECS makes for a cluster."""
    operation_id = _moto["create_http_namespace"](backend, name, None, None, None)
    return backend.namespaces[backend.operations[operation_id].targets["NAMESPACE"]]


def delete_namespace(self: Backend, namespace_id: str) -> str:
    """Cloud Map API Reference, DeleteNamespace: "If the namespace still contains one or more
    services, the request fails" (ResourceInUse); the namespace goes when the operation
    succeeds, and a second request meanwhile is a DuplicateRequest.
    """
    if namespace_id not in self.namespaces:
        raise NamespaceNotFound(namespace_id)
    if any(service.namespace_id == namespace_id for service in self.services.values()):
        raise ResourceInUse(
            "Namespace has associated services; delete the services before deleting the namespace"
        )
    duplicate = _pending_operation(self, "DELETE_NAMESPACE", "NAMESPACE", namespace_id)
    if duplicate is not None:
        raise DuplicateRequest(duplicate)
    operation_id = self._create_operation("DELETE_NAMESPACE", {"NAMESPACE": namespace_id})
    return submit(self, operation_id, lambda: self.namespaces.pop(namespace_id, None))


# -- services ---------------------------------------------------------------------------------


def create_service(
    self: Backend,
    name: str,
    namespace_id: str | None,
    creator_request_id: str,
    *args: Any,
    **kwargs: Any,
) -> CloudMapService:
    """Cloud Map API Reference, CreateService: NamespaceId is "the ID or ARN of the namespace"
    (NamespaceNotFound otherwise); CreatorRequestId makes a retry return the same service, and
    another request for an existing name fails with ServiceAlreadyExists, which carries the
    CreatorRequestId, ServiceId and ServiceArn of the service that exists.
    """
    # Older requests name the namespace inside DnsConfig, which the API still accepts.
    namespace_id = namespace_id or (kwargs.get("dns_config") or {}).get("NamespaceId")
    namespace = None
    for candidate in self.namespaces.values():
        if namespace_id in (candidate.id, candidate.arn):
            namespace = candidate
    if namespace is None:
        raise NamespaceNotFound(namespace_id or "")
    for service in self.services.values():
        if service.namespace_id == namespace.id and service.name == name:
            if creator_request_id and service.creator_request_id == creator_request_id:
                return service
            raise ServiceAlreadyExists(service)
    return _moto["create_service"](self, name, namespace.id, creator_request_id, *args, **kwargs)


def delete_service(self: Backend, service_id: str) -> None:
    """Cloud Map API Reference, DeleteService: "If the service still contains one or more
    registered instances, the request fails" (ResourceInUse); an unknown ID is ServiceNotFound.
    """
    service = self.get_service(service_id)
    if service.instances:
        raise ResourceInUse(
            "Service contains registered instances; delete the instances before deleting the service"
        )
    _moto["delete_service"](self, service_id)


def register_instance(
    self: Backend,
    service_id: str,
    instance_id: str,
    creator_request_id: str,
    attributes: dict[str, str],
) -> str:
    """Cloud Map API Reference, RegisterInstance, InstanceId: "You can use this value to update
    an existing instance" - registering an existing ID replaces it, it does not add another.
    """
    service = self.get_service(service_id)
    existing = next((i for i in service.instances if i.instance_id == instance_id), None)
    if existing is None:
        operation_id = _moto["register_instance"](
            self, service_id, instance_id, creator_request_id, attributes
        )
    else:
        existing.attributes = dict(attributes or {})
        existing.creator_request_id = creator_request_id or existing.creator_request_id
        service.instances_revision[instance_id] = service.instances_revision.get(instance_id, 0) + 1
        operation_id = self._create_operation("REGISTER_INSTANCE", {"INSTANCE": instance_id})
    self.operations[operation_id].targets["SERVICE"] = service_id
    return submit(self, operation_id)


def deregister_instance(self: Backend, service_id: str, instance_id: str) -> str:
    operation_id = _moto["deregister_instance"](self, service_id, instance_id)
    self.operations[operation_id].targets["SERVICE"] = service_id
    return submit(self, operation_id)


def _asynchronous(name: str) -> Callable[..., str]:
    original = _moto[name]

    def call(self: Backend, *args: Any, **kwargs: Any) -> str:
        return submit(self, original(self, *args, **kwargs))

    call.__name__ = name
    call.__doc__ = f"{name}, asynchronous like every Cloud Map operation (see submit())."
    return call


# -- listings: filters, MaxResults/NextToken, counts -------------------------------------------


def _namespace_json(backend: Backend, namespace: Namespace) -> dict[str, Any]:
    data: dict[str, Any] = namespace.to_json()
    data["ResourceOwner"] = backend.account_id
    data["ServiceCount"] = sum(
        1 for service in backend.services.values() if service.namespace_id == namespace.id
    )
    return data


def _service_json(backend: Backend, service: CloudMapService) -> dict[str, Any]:
    data: dict[str, Any] = service.to_json()
    data["ResourceOwner"] = backend.account_id
    data["InstanceCount"] = len(service.instances)
    return data


def _condition_holds(value: str | None, condition: str, values: list[str]) -> bool:
    if value is None or not values:
        return False
    if condition == "EQ":
        return value == values[0]
    if condition == "IN":
        return value in values
    if condition == "BEGINS_WITH":
        return value.startswith(values[0])
    raise InvalidInput(f"Condition {condition} is not supported for this filter")


def _matching(
    items: Iterable[Any],
    filters: list[Mapping[str, Any]],
    fields: Mapping[str, Callable[[Any], str | None]],
) -> list[Any]:
    for spec in filters:
        if spec.get("Name") not in fields:
            raise InvalidInput(f"Filter name {spec.get('Name')} is not valid")
    return [
        item
        for item in items
        if all(
            _condition_holds(
                fields[spec["Name"]](item), spec.get("Condition", "EQ"), list(spec["Values"])
            )
            for spec in filters
        )
    ]


def _namespace_id(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]  # an ID, or the ID at the end of a namespace ARN


def _listing(
    backend: Backend,
    params: Mapping[str, Any],
    items: list[Any],
    fields: Mapping[str, Callable[[Any], str | None]],
) -> tuple[list[Any], str | None]:
    """ListNamespaces / ListServices / ListOperations, NextToken: "Cloud Map gets MaxResults
    [items] and then filters them based on the specified criteria" - so a page may be empty
    while NextToken still points at more.
    """
    page_items, token = page(
        items,
        params.get("MaxResults"),
        params.get("NextToken"),
        default_size=100,
        invalid_token=lambda: InvalidInput("The NextToken is not valid"),
    )
    return _matching(page_items, params.get("Filters") or [], fields), token


_NAMESPACE_FILTERS: dict[str, Callable[[Any], str | None]] = {
    "TYPE": lambda ns: ns.type,
    "NAME": lambda ns: ns.name,
    "HTTP_NAME": lambda ns: (ns.http_properties or {}).get("HttpName"),
    "RESOURCE_OWNER": lambda ns: "SELF",
}
_SERVICE_FILTERS: dict[str, Callable[[Any], str | None]] = {
    "NAMESPACE_ID": lambda service: service.namespace_id,
    "RESOURCE_OWNER": lambda service: "SELF",
}
_OPERATION_FILTERS: dict[str, Callable[[Any], str | None]] = {
    "NAMESPACE_ID": lambda op: op.targets.get("NAMESPACE"),
    "SERVICE_ID": lambda op: op.targets.get("SERVICE"),
    "STATUS": lambda op: op.status,
    "TYPE": lambda op: op.operation_type,
}


def _with_result(body: dict[str, Any], token: str | None) -> str:
    if token:
        body["NextToken"] = token
    return json.dumps(body)


def list_namespaces_response(self: Any) -> str:
    backend = self.servicediscovery_backend
    params = json.loads(self.body or "{}")
    found, token = _listing(backend, params, list(backend.namespaces.values()), _NAMESPACE_FILTERS)
    return _with_result({"Namespaces": [_namespace_json(backend, ns) for ns in found]}, token)


def list_services_response(self: Any) -> str:
    backend = self.servicediscovery_backend
    params = json.loads(self.body or "{}")
    for spec in params.get("Filters") or []:
        if spec.get("Name") == "NAMESPACE_ID":
            spec["Values"] = [_namespace_id(value) for value in spec.get("Values", [])]
    found, token = _listing(backend, params, list(backend.services.values()), _SERVICE_FILTERS)
    return _with_result({"Services": [_service_json(backend, s) for s in found]}, token)


def list_operations_response(self: Any) -> str:
    backend = self.servicediscovery_backend
    params = json.loads(self.body or "{}")
    for spec in params.get("Filters") or []:
        if spec.get("Name") == "UPDATE_DATE":
            raise InvalidInput("The emulator does not filter operations by UPDATE_DATE")
    operations = list(backend.operations.values())
    found, token = _listing(backend, params, operations, _OPERATION_FILTERS)
    return _with_result({"Operations": [op.to_json(short=True) for op in found]}, token)


def get_operation_response(self: Any) -> str:
    """Cloud Map API Reference, Operation: ErrorCode and ErrorMessage "if the value of Status
    is FAIL"."""
    backend = self.servicediscovery_backend
    operation = backend.get_operation(json.loads(self.body)["OperationId"])
    data: dict[str, Any] = operation.to_json()
    if operation.status == "FAIL":
        data.update(ErrorCode=operation.error_code, ErrorMessage=operation.error_message)
    return json.dumps({"Operation": data})


def get_namespace_response(self: Any) -> str:
    backend = self.servicediscovery_backend
    namespace = backend.get_namespace(json.loads(self.body)["Id"])
    return json.dumps({"Namespace": _namespace_json(backend, namespace)})


def get_service_response(self: Any) -> str:
    backend = self.servicediscovery_backend
    service = backend.get_service(json.loads(self.body)["Id"])
    return json.dumps({"Service": _service_json(backend, service)})


def apply() -> None:
    backend: Any = ServiceDiscoveryBackend
    backend.__init__ = init
    backend.create_http_namespace = _namespace_create("HTTP")
    backend.create_private_dns_namespace = _namespace_create("PRIVATE_DNS")
    backend.create_public_dns_namespace = _namespace_create("PUBLIC_DNS")
    backend.delete_namespace = delete_namespace
    backend.create_service = create_service
    backend.delete_service = delete_service
    backend.register_instance = register_instance
    backend.deregister_instance = deregister_instance
    for name in (
        "update_service",
        "update_http_namespace",
        "update_private_dns_namespace",
        "update_public_dns_namespace",
    ):
        setattr(backend, name, _asynchronous(name))
    response: Any = ServiceDiscoveryResponse
    response.list_namespaces = list_namespaces_response
    response.list_services = list_services_response
    response.list_operations = list_operations_response
    response.get_operation = get_operation_response
    response.get_namespace = get_namespace_response
    response.get_service = get_service_response
