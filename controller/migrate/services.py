"""A service manifest (Load Balanced Web Service, Backend Service, Worker Service) ->
an EcsService spec, field by field (pure). The table `_SERVICE_FIELDS` says which handler
reads which top-level field for which types; anything else is reported as unknown."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ..api import EcsServiceSpec
from .copilot import (
    AUTOSCALING_KEYS,
    ENV_VARIABLE,
    ValueKindError,
    as_bool,
    as_int,
    duration,
    duration_seconds,
    interpolate,
    is_bool,
    split_shell,
)
from .mapping import LATER, Builder, KPath, Mapping, camel, ordered, validate
from .workspace import BACKEND_SERVICE, LOAD_BALANCED_WEB_SERVICE, WORKER_SERVICE

# Written as spec.image when the manifest gives no image kopilot can run (image.build): not
# a valid image reference, so nothing is ever pulled from it.
IMAGE_PLACEHOLDER = "<set-me>"
# The path whose `${COPILOT_*}` variables kopilot interpolates itself, at reconcile time.
ALIAS_FIELD = "network.connect.alias"
# Copilot's workload templates, in every release since Service Connect shipped (v1.23):
# the Service Connect server's port mapping is named `target` (workload-container.yml,
# service-base-properties.yml `PortName: target`), and every awslogs configuration it writes,
# the Service Connect proxy's included, has the stream prefix `copilot`.
COPILOT_PORT_NAME = "target"
COPILOT_LOG_PREFIX = "copilot"

# Copilot's container health check defaults (manifest.NewDefaultContainerHealthCheck),
# which fill what image.healthcheck leaves out; kopilot's defaults are the same numbers.
DEFAULT_HEALTH_COMMAND = ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]

# What Copilot's target group leaves to Elastic Load Balancing when http.healthcheck does not
# say (workloads/partials/cf/alb.yml sets these only when given): ELB checks every 30 s and
# wants 5 successes. kopilot's defaults are 10 s and 2, so the importer writes ELB's.
ELB_HEALTH_DEFAULTS = {"healthyThreshold": 5, "interval": 30}


@dataclass(frozen=True)
class ServiceContext:
    type: str
    app: str
    env: str | None  # None: the top level, shared by every environment
    region: str
    name: str | None = None  # the manifest's (map_service fills it in)
    sidecar_ports: dict[str, str] = field(default_factory=dict)  # sidecar -> its port


_Handler = Callable[[Builder, str, Any, ServiceContext], None]
_ALL = (LOAD_BALANCED_WEB_SERVICE, BACKEND_SERVICE, WORKER_SERVICE)


def _name(b: Builder, key: str, value: Any, ctx: ServiceContext) -> None:
    b.done("name")  # metadata.name


def _type(b: Builder, key: str, value: Any, ctx: ServiceContext) -> None:
    b.done("type")  # the kind: EcsService


def _image(b: Builder, key: str, value: Any, ctx: ServiceContext) -> None:
    if not isinstance(value, dict):
        b.invalid(
            "image",
            ValueKindError(f"{value!r} is not a map (location or build, port, healthcheck)"),
        )
        return
    for sub, item in value.items():
        path = f"image.{sub}"
        if sub == "location":
            if isinstance(item, str) and item:
                b.put(("image",), item, path)
            else:
                b.invalid(path, ValueKindError(f"{item!r} is not an image"))
        elif sub == "build":
            b.skip(
                path,
                "kopilot does not build images: build and push the image as Copilot did "
                f"(to ECR), then set spec.image (written as {IMAGE_PLACEHOLDER})",
            )
        elif sub == "port" and ctx.type != WORKER_SERVICE:
            _int(b, ("port",), item, path)
        elif sub == "healthcheck":
            _health_check(b, item, path)
        elif sub == "credentials":
            b.skip(
                path,
                "private registry credentials (repositoryCredentials): kopilot has no field "
                f"for them; {LATER}",
            )
        elif sub == "labels":
            b.skip(path, f"Docker labels: kopilot has no field for them; {LATER}")
        elif sub == "depends_on":
            _depends_on(b, item, ("dependsOn",), path)
        else:
            b.unknown(path, f"{ctx.type} manifest")


def _health_check(b: Builder, value: Any, source: str) -> None:
    """Copilot's container health check (image.healthcheck, a sidecar's healthcheck)."""
    if not isinstance(value, dict):
        b.invalid(source, ValueKindError(f"{value!r} is not a map"))
        return
    check: dict[str, Any] = {}
    for key, item in value.items():
        path = f"{source}.{key}"
        try:
            if key == "command":
                if not (isinstance(item, list) and all(isinstance(s, str) for s in item)):
                    raise ValueKindError(f"{item!r} is not a list of strings")
                check["command"] = list(item)
            elif key in ("interval", "timeout", "start_period"):
                check[camel(key)] = duration_seconds(item)
            elif key == "retries":
                check["retries"] = as_int(item)
            else:
                b.unknown(path, f"manifest's {source}")
                continue
        except ValueKindError as err:
            b.invalid(path, err)
            continue
        b.result.origins[("healthCheck", camel(key))] = path
        b.done(path)
    if check:
        check.setdefault("command", list(DEFAULT_HEALTH_COMMAND))
        order = ("command", "interval", "timeout", "retries", "startPeriod")
        b.result.spec["healthCheck"] = {k: check[k] for k in order if k in check}
        b.result.origins[("healthCheck",)] = source


# Copilot's depends_on conditions, which it sends upper-cased (convertDependsOn).
_CONDITIONS = ("start", "complete", "success", "healthy")


def _depends_on(b: Builder, value: Any, kpath: KPath, source: str) -> None:
    """`depends_on: {envoy: start}` -> dependsOn: {envoy: START}."""
    if not isinstance(value, dict):
        b.invalid(source, ValueKindError(f"{value!r} is not a map of containers"))
        return
    for name, condition in value.items():
        path = f"{source}.{name}"
        if isinstance(condition, str) and condition.lower() in _CONDITIONS:
            b.put((*kpath, str(name)), condition.upper(), path)
        else:
            b.invalid(path, ValueKindError(f"{condition!r} is not {', '.join(_CONDITIONS)}"))


def _shell_words(kpath: KPath, source: str) -> _Handler:
    def handle(b: Builder, key: str, value: Any, ctx: ServiceContext) -> None:
        if value is None:
            return
        try:
            if isinstance(value, str):
                words = split_shell(value)
            elif isinstance(value, list) and all(isinstance(s, str) for s in value):
                words = list(value)
            else:
                raise ValueKindError(f"{value!r} is neither a string nor a list of strings")
        except ValueKindError as err:
            b.invalid(source, err)
            return
        b.put(kpath, words, source)

    return handle


def _int_field(kpath: KPath, source: str) -> _Handler:
    def handle(b: Builder, key: str, value: Any, ctx: ServiceContext) -> None:
        _int(b, kpath, value, source)

    return handle


def _int(b: Builder, kpath: KPath, value: Any, source: str) -> None:
    if value is None:
        return
    try:
        b.put(kpath, as_int(value), source)
    except ValueKindError as err:
        b.invalid(source, err)


_ARCHITECTURES = {
    "x86_64": "linux/x86_64",
    "amd64": "linux/x86_64",
    "arm64": "linux/arm64",
    "arm": "linux/arm64",
}


def _platform(b: Builder, key: str, value: Any, ctx: ServiceContext) -> None:
    if isinstance(value, str) and value.count("/") == 1:
        os_family, arch = value.lower().split("/")
    elif isinstance(value, dict):
        os_family = str(value.get("osfamily", "")).lower()
        arch = str(value.get("architecture", "")).lower()
    else:
        b.invalid("platform", ValueKindError(f"{value!r} is not os/arch"))
        return
    if os_family.startswith("windows"):
        b.skip("platform", "Windows tasks: kopilot runs Linux tasks (linux/x86_64, linux/arm64)")
    elif os_family == "linux" and arch in _ARCHITECTURES:
        b.put(("platform",), _ARCHITECTURES[arch], "platform")
    else:
        b.invalid("platform", ValueKindError(f"{value!r} is not a Copilot platform"))


def _count(b: Builder, key: str, value: Any, ctx: ServiceContext) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        _int(b, ("count",), value, "count")
        return
    if "range" in value:
        _autoscaling(b, value)
        return
    # Copilot's desired count (Count.Desired) without a range: the spot count.
    desired: int | None = None
    try:
        desired = as_int(value["spot"]) if "spot" in value else None
    except ValueKindError as err:
        b.invalid("count.spot", err)
    if desired is not None:
        b.result.spec["count"] = desired
        b.result.origins[("count",)] = "count"
    start = f"; spec.count is {desired}, the desired count Copilot starts from" if desired else ""
    for sub in value:
        path = f"count.{sub}"
        if sub == "spot":
            b.skip(path, f"Fargate Spot: kopilot runs tasks on Fargate on-demand; {LATER}{start}")
        elif sub in AUTOSCALING_KEYS:
            b.skip(path, "autoscaling needs count.range (min and max)")
        else:
            b.unknown(path, f"{ctx.type} manifest's count")


# Copilot's count keys and spec.autoscaling's, with how each value reads.
_SCALING_METRICS: dict[str, tuple[str, Any]] = {
    "cpu_percentage": ("cpuPercentage", as_int),
    "memory_percentage": ("memoryPercentage", as_int),
    "requests": ("requestsPerTarget", as_int),
    "response_time": ("responseTime", duration),
}


def _autoscaling(b: Builder, value: dict[str, Any]) -> None:
    """`count: {range, cooldown, cpu_percentage, ...}` -> spec.autoscaling, with the same
    target tracking policies Copilot's template makes (a new service starts at min)."""
    try:
        low, high = _range(value["range"])
    except (ValueKindError, KeyError) as err:
        b.invalid("count.range", ValueKindError(str(err)))
        return
    b.put(("autoscaling", "min"), low, "count.range")
    b.put(("autoscaling", "max"), high, "count.range")
    if isinstance(value["range"], dict) and value["range"].get("spot_from") is not None:
        b.skip(
            "count.range.spot_from",
            f"Fargate Spot: kopilot runs tasks on Fargate on-demand; {LATER}",
        )
    for sub, item in value.items():
        path = f"count.{sub}"
        if sub == "range" or item is None:
            continue
        if sub in _SCALING_METRICS:
            field, read = _SCALING_METRICS[sub]
            try:
                b.put(("autoscaling", field), read(item), path)
            except ValueKindError as err:
                b.invalid(path, err)
        elif sub == "cooldown" and isinstance(item, dict):
            for way in ("in", "out"):
                if item.get(way) is not None:
                    try:
                        seconds = duration_seconds(item[way])
                    except ValueKindError as err:
                        b.invalid(f"{path}.{way}", err)
                        continue
                    b.put(("autoscaling", "cooldown", way), seconds, path)
        elif sub == "queue_delay":
            b.skip(
                path, "scaling on an SQS queue's backlog: kopilot makes no queue (see subscribe)"
            )
        elif sub == "spot":
            b.skip(path, f"Fargate Spot: kopilot runs tasks on Fargate on-demand; {LATER}")
        else:
            b.unknown(path, "manifest's count")


def _range(value: Any) -> tuple[int, int]:
    """`range: 1-10` or `range: {min: 1, max: 10, spot_from: 3}` -> (1, 10)."""
    if isinstance(value, dict):
        return as_int(value["min"]), as_int(value["max"])
    if isinstance(value, str) and value.count("-") == 1:
        low, high = value.split("-")
        return as_int(low.strip()), as_int(high.strip())
    raise ValueKindError(f"{value!r} is not a range such as 1-10")


def _exec(b: Builder, key: str, value: Any, ctx: ServiceContext) -> None:
    enabled = value.get("enable") if isinstance(value, dict) else value
    if enabled is None:
        return
    try:
        on = as_bool(enabled)
    except ValueKindError as err:
        b.invalid("exec", err)
        return
    if not on:
        b.done("exec")  # off, kopilot's default
        return
    b.put(("exec",), True, "exec")
    b.result.notes.append(
        f"ECS Exec: {ctx.name or 'a service'} has exec on (spec.exec). Copilot gave the task "
        "role it made ssmmessages:CreateControlChannel, CreateDataChannel, OpenControlChannel "
        "and OpenDataChannel; kopilot uses the role in taskRoleArn, which needs them too."
    )


def _variables(b: Builder, key: str, value: Any, ctx: ServiceContext) -> None:
    _map_variables(b, value, "variables")


def _map_variables(b: Builder, value: Any, source: str) -> None:
    """`variables` (the service's, a sidecar's) -> variables."""
    if not isinstance(value, dict):
        b.invalid(source, ValueKindError(f"{value!r} is not a map"))
        return
    for name, item in value.items():
        path = f"{source}.{name}"
        if isinstance(item, dict) and "from_cfn" in item:
            b.skip(
                path,
                f"the value of the CloudFormation export {item['from_cfn']}: kopilot does not "
                "read exports; write the value in spec.variables",
            )
        elif item is None or isinstance(item, str):
            b.put(("variables", str(name)), item or "", path)
        else:
            b.invalid(path, ValueKindError(f"{item!r} is not a string"))


def _secrets(b: Builder, key: str, value: Any, ctx: ServiceContext) -> None:
    _map_secrets(b, value, "secrets", ctx)


def _map_secrets(b: Builder, value: Any, source: str, ctx: ServiceContext) -> None:
    """`secrets` (the service's, a sidecar's) -> secrets, where they are ARNs."""
    if not isinstance(value, dict):
        b.invalid(source, ValueKindError(f"{value!r} is not a map"))
        return
    account = "ACCOUNT_ID"
    for name, item in value.items():
        path = f"{source}.{name}"
        if isinstance(item, str) and item.startswith("arn:"):
            b.put(("secrets", str(name)), item, path)
        elif isinstance(item, str) and item:
            parameter = item.lstrip("/")
            b.skip(
                path,
                f"the SSM parameter name {item}: kopilot's secrets take ARNs; write "
                f"arn:aws:ssm:{ctx.region}:{account}:parameter/{parameter}",
            )
        elif isinstance(item, dict) and isinstance(item.get("secretsmanager"), str):
            secret = item["secretsmanager"]
            if secret.startswith("arn:"):
                b.put(("secrets", str(name)), secret, path)
            else:
                b.skip(
                    path,
                    f"the Secrets Manager secret name {secret}: kopilot's secrets take ARNs; "
                    f"write arn:aws:secretsmanager:{ctx.region}:{account}:secret:{secret}",
                )
        elif isinstance(item, dict) and "from_cfn" in item:
            b.skip(
                path,
                f"the value of the CloudFormation export {item['from_cfn']}: kopilot does not "
                "read exports; write the ARN in spec.secrets",
            )
        else:
            b.invalid(path, ValueKindError(f"{item!r} is not an SSM parameter or a secret"))


def _skip_block(why: str | Callable[[Any, ServiceContext], str]) -> _Handler:
    def handle(b: Builder, key: str, value: Any, ctx: ServiceContext) -> None:
        b.skip(key, why(value, ctx) if callable(why) else why)

    return handle


def _logging(b: Builder, key: str, value: Any, ctx: ServiceContext) -> None:
    if not isinstance(value, dict):
        b.invalid("logging", ValueKindError(f"{value!r} is not a map"))
        return
    for key in value:
        path = f"logging.{key}"
        if key == "retention":
            b.skip(
                path,
                "kopilot does not manage log groups: it logs to Copilot's group "
                f"/copilot/{ctx.app}-{{env}}-{{svc}}, whose retention stays as Copilot set it",
            )
        elif key in (
            "image",
            "destination",
            "enableMetadata",
            "secretOptions",
            "configFilePath",
            "variables",
            "secrets",
            "env_file",
        ):
            b.skip(
                path,
                "FireLens log routing (a Fluent Bit sidecar): kopilot sends the container's "
                "logs to CloudWatch Logs with awslogs",
            )
        else:
            b.unknown(path, f"{ctx.type} manifest's logging")


def _sidecars(b: Builder, key: str, value: Any, ctx: ServiceContext) -> None:
    """Copilot's `sidecars` (a map by name) -> spec.sidecars (a list, in Copilot's order:
    by name, as convertSidecars sorts them). Each is mapped on a builder of its own, so
    what it holds is reported under sidecars.<name>; the list is one field to the API."""
    if not isinstance(value, dict):
        b.invalid("sidecars", ValueKindError(f"{value!r} is not a map of sidecars"))
        return
    sidecars = []
    for name in sorted(value, key=str):
        sub = Builder(b.file)
        sub.result.spec["name"] = str(name)
        _sidecar(sub, value[name], f"sidecars.{name}", ctx)
        b.result.mapped += [m for m in sub.result.mapped if m not in b.result.mapped]
        b.result.unmapped += sub.result.unmapped
        sidecars.append(ordered(sub.result.spec, _SIDECAR_ORDER))
    if sidecars:
        b.result.spec["sidecars"] = sidecars
        b.result.origins[("sidecars",)] = "sidecars"
        b.done("sidecars")


_SIDECAR_ORDER = (
    "name",
    "image",
    "port",
    "essential",
    "command",
    "entryPoint",
    "variables",
    "secrets",
    "dependsOn",
    "healthCheck",
)
_SIDECAR_SKIPPED = {
    "credentialsParameter": "private registry credentials (repositoryCredentials): kopilot "
    f"has no field for them; {LATER}",
    "env_file": "an environment file in S3 (environmentFiles): kopilot has no field for it; "
    "copy its variables into the sidecar's variables",
    "mount_points": f"volumes: kopilot has none yet; {LATER}",
    "labels": f"Docker labels: kopilot has no field for them; {LATER}",
}


def _sidecar(sub: Builder, value: Any, source: str, ctx: ServiceContext) -> None:
    """One of Copilot's sidecars (sidecar-config: port, image, essential, variables, secrets,
    depends_on, entrypoint, command, healthcheck) -> a spec.sidecars entry."""
    if not isinstance(value, dict):
        sub.invalid(source, ValueKindError(f"{value!r} is not a map"))
        value = {}
    for key, item in value.items():
        path = f"{source}.{key}"
        if item is None:
            continue
        try:
            _sidecar_field(sub, str(key), item, path, ctx)
        except ValueKindError as err:
            sub.invalid(path, err)
    if "image" not in sub.result.spec:
        sub.result.spec["image"] = IMAGE_PLACEHOLDER
        if not any(u.field.startswith(f"{source}.image") for u in sub.result.unmapped):
            sub.skip(source, f"no image: set its image (written as {IMAGE_PLACEHOLDER})")


def _sidecar_field(sub: Builder, key: str, item: Any, path: str, ctx: ServiceContext) -> None:
    if key == "image":
        _sidecar_image(sub, item, path)
    elif key == "port":
        number, _, protocol = str(item).partition("/")
        if protocol.lower() not in ("", "tcp"):
            sub.skip(path, f"a {protocol} port: kopilot maps tcp ports")
        else:
            sub.put(("port",), as_int(number), path)
    elif key == "essential":
        sub.put(("essential",), as_bool(item), path)
    elif key == "variables":
        _map_variables(sub, item, path)
    elif key == "secrets":
        _map_secrets(sub, item, path, ctx)
    elif key == "depends_on":
        _depends_on(sub, item, ("dependsOn",), path)
    elif key in ("entrypoint", "command"):
        kpath: KPath = ("entryPoint",) if key == "entrypoint" else ("command",)
        _shell_words(kpath, path)(sub, key, item, ctx)
    elif key == "healthcheck":
        _health_check(sub, item, path)
    elif key in _SIDECAR_SKIPPED:
        sub.skip(path, _SIDECAR_SKIPPED[key])
    else:
        sub.unknown(path, f"{ctx.type} manifest's sidecars")


def _sidecar_image(sub: Builder, item: Any, path: str) -> None:
    """`image: <uri>`, or (image-config-for-sidecar) `image: {location: <uri>}`; a build is
    not kopilot's to make."""
    if isinstance(item, str) and item:
        sub.put(("image",), item, path)
        return
    if not isinstance(item, dict):
        raise ValueKindError(f"{item!r} is not an image")
    for sub_key, sub_item in item.items():
        where = f"{path}.{sub_key}"
        if sub_key == "location" and isinstance(sub_item, str) and sub_item:
            sub.put(("image",), sub_item, where)
        elif sub_key == "build":
            sub.skip(
                where,
                "kopilot does not build images: build and push the image as Copilot did "
                f"(to ECR), then set the sidecar's image (written as {IMAGE_PLACEHOLDER})",
            )
        else:
            sub.unknown(where, "manifest's sidecar image")


def _network(b: Builder, key: str, value: Any, ctx: ServiceContext) -> None:
    if not isinstance(value, dict):
        b.invalid("network", ValueKindError(f"{value!r} is not a map"))
        return
    for key, item in value.items():
        if key == "connect":
            _connect(b, item, ctx.type)
        elif key == "vpc" and isinstance(item, dict):
            for sub in item:
                path = f"network.vpc.{sub}"
                if sub == "placement":
                    b.skip(
                        path,
                        "kopilot runs every task of an environment in EcsEnvironment "
                        "spec.network (the private subnets when Copilot's environment has "
                        "both)",
                    )
                elif sub == "security_groups":
                    b.skip(
                        path,
                        "kopilot sets security groups per environment: add them to "
                        "EcsEnvironment spec.network.securityGroups",
                    )
                else:
                    b.unknown(path, f"{ctx.type} manifest's network.vpc")
        else:
            b.unknown(f"network.{key}", f"{ctx.type} manifest's network")


def _connect(b: Builder, value: Any, kind: str) -> None:
    if value is None:
        return
    if is_bool(value):
        b.put(("network", "connect"), {"enabled": as_bool(value)}, "network.connect")
        return
    if not isinstance(value, dict):
        b.invalid("network.connect", ValueKindError(f"{value!r} is neither a boolean nor a map"))
        return
    for key, item in value.items():
        if key == "alias" and isinstance(item, str):
            b.put(("network", "connect", "alias"), item, ALIAS_FIELD)
        elif key == "alias":
            b.invalid(ALIAS_FIELD, ValueKindError(f"{item!r} is not a string"))
        else:
            b.unknown(f"network.connect.{key}", f"{kind} manifest's network.connect")
    if "connect" in b.result.spec.get("network", {}):
        b.result.origins[("network", "connect")] = "network.connect"


def _deployment(b: Builder, key: str, value: Any, ctx: ServiceContext) -> None:
    if not isinstance(value, dict):
        b.invalid("deployment", ValueKindError(f"{value!r} is not a map"))
        return
    for key, item in value.items():
        path = f"deployment.{key}"
        if key == "rolling":
            if item == "default":
                b.done(path)  # 100% / 200%, kopilot's defaults
            elif item == "recreate":
                b.put(("deployment", "minHealthyPercent"), 0, path)
                b.put(("deployment", "maxPercent"), 100, path)
                b.result.origins[("deployment",)] = path
            else:
                b.invalid(path, ValueKindError(f"{item!r} is not 'default' or 'recreate'"))
        elif key == "rollback_alarms":
            b.skip(
                path,
                "rollback on CloudWatch alarms: kopilot rolls back with the deployment circuit "
                f"breaker only; {LATER}",
            )
        else:
            b.unknown(path, f"{ctx.type} manifest's deployment")


def _http(b: Builder, key: str, value: Any, ctx: ServiceContext) -> None:
    """Copilot's routing rule (lb_web_svc.go HTTPOrBool, backend_svc.go HTTP) ->
    spec.http: a Load Balanced Web Service is routed from the environment's public load
    balancer, a Backend Service from its internal one."""
    if value is None:
        return
    if is_bool(value):
        if not as_bool(value):
            b.done("http")  # no load balancer, as kopilot
            return
        b.invalid("http", ValueKindError("true gives no http.path (Copilot requires one)"))
        return
    if not isinstance(value, dict):
        b.invalid("http", ValueKindError(f"{value!r} is neither false nor a map"))
        return
    if not value:
        b.done("http")  # empty: Copilot attaches no load balancer
        return
    internal = ctx.type == BACKEND_SERVICE
    b.result.spec["http"] = {"public": False} if internal else {}
    b.result.origins[("http",)] = "http"
    b.done("http")
    sidecar = _target_sidecar(value, ctx)
    for sub, item in value.items():
        path = f"http.{sub}"
        if item is None:
            continue
        try:
            _http_field(b, str(sub), item, path, ctx, sidecar)
        except ValueKindError as err:
            b.invalid(path, err)
    http = b.result.spec["http"]
    if internal and "alias" not in http and ctx.env is not None and ctx.name:
        # Copilot's internal listener rule (http-listener.yml) matches the host
        # {svc}.{env}.{app}.internal (and the load balancer's DNS name): kept, so Backend
        # Services sharing a path stay apart.
        host = f"{ctx.name}.{ctx.env}.{ctx.app}.internal"
        http["alias"] = [host]
        b.result.origins[("http", "alias")] = "http"
        b.result.notes.append(
            f"Service {ctx.name} in {ctx.env}: Copilot's internal load balancer routed it by "
            f"host {host}, a record in Copilot's private hosted zone {ctx.env}.{ctx.app}.internal "
            "(Route 53, which kopilot does not manage): spec.http.alias keeps that host; point "
            "the record at kopilot's internal load balancer (the EcsEnvironment's "
            "status.loadBalancers.private.dnsName)."
        )
    check = http.setdefault("healthCheck", {})
    # What the API refuses in the check as a whole (timeout against the interval) costs the
    # check, not the service's routing.
    b.result.origins.setdefault(("http", "healthCheck"), "http.healthcheck" if check else "http")
    for name, default in ELB_HEALTH_DEFAULTS.items():
        check.setdefault(name, default)
    http["healthCheck"] = ordered(check, _HEALTH_ORDER)
    b.result.spec["http"] = ordered(http, _HTTP_ORDER)


_HTTP_ORDER = (
    "public",
    "path",
    "alias",
    "targetPort",
    "healthCheck",
    "deregistrationDelay",
    "stickiness",
    "allowedSourceIps",
)
_HEALTH_ORDER = (
    "path",
    "port",
    "successCodes",
    "healthyThreshold",
    "unhealthyThreshold",
    "interval",
    "timeout",
    "gracePeriod",
)


def _http_field(
    b: Builder, sub: str, item: Any, path: str, ctx: ServiceContext, sidecar: str | None
) -> None:
    kpath: KPath = ("http",)
    if sub == "path":
        if not isinstance(item, str):
            raise ValueKindError(f"{item!r} is not a path")
        if _per_environment(item, ctx):
            b.done(path)  # each overlay writes it, interpolated
        else:
            b.put((*kpath, "path"), item, path)
    elif sub == "alias":
        _alias(b, item, path, ctx)
    elif sub == "healthcheck":
        _target_health_check(b, item, path, ctx)
    elif sub == "deregistration_delay":
        b.put((*kpath, "deregistrationDelay"), duration_seconds(item), path)
    elif sub == "stickiness":
        b.put((*kpath, "stickiness"), as_bool(item), path)
    elif sub == "allowed_source_ips":
        if not (isinstance(item, list) and all(isinstance(s, str) for s in item)):
            raise ValueKindError(f"{item!r} is not a list of CIDRs")
        b.put((*kpath, "allowedSourceIps"), list(item), path)
    elif sub in ("target_container", "targetContainer"):
        if sidecar is None:
            b.done(path)  # the main container, as kopilot
        else:
            b.skip(path, _sidecar_why(sidecar, ctx))
    elif sub == "target_port":
        port = as_int(item)
        if sidecar is None:
            b.put((*kpath, "targetPort"), port, path)
        else:
            b.skip(path, _sidecar_why(sidecar, ctx))
    elif sub == "redirect_to_https":
        if as_bool(item):
            b.done(path)  # kopilot's: with certificates, port 80 redirects to 443
        else:
            b.skip(
                path,
                "serving plain HTTP beside HTTPS: kopilot's port 80 always redirects to 443 "
                "when the load balancer has certificates",
            )
    elif sub == "version":
        if str(item).lower() == "http1":
            b.done(path)  # kopilot's target groups speak HTTP/1.1
        else:
            b.skip(
                path,
                f"target group protocol version {item}: kopilot's target groups speak "
                f"HTTP/1.1; {LATER}",
            )
    elif sub == "hosted_zone":
        b.skip(path, _ROUTE53)
    elif sub == "additional_rules":
        b.skip(
            path,
            f"more listener rules (paths, ports, containers): kopilot routes one path to one "
            f"port of a service; {LATER}",
        )
    elif sub == "alb":
        b.skip(
            path,
            "an imported load balancer: kopilot routes from the load balancers of the "
            "EcsEnvironment (spec.http), which it makes and names itself; it cannot use "
            "another one",
        )
    elif sub in ("public", "private"):
        where = "internal" if ctx.type == BACKEND_SERVICE else "public"
        b.skip(
            path,
            f"not a field of released Copilot's {ctx.type} manifest (v1.33 ignores it and "
            f"routes from the environment's {where} load balancer); kopilot places the rule "
            "with spec.http.public (true: the environment's public load balancer, false: its "
            "private one) and cannot place the service's load balancer otherwise",
        )
    else:
        b.unknown(path, f"{ctx.type} manifest's http")


_ROUTE53 = (
    "a Route 53 hosted zone for the alias: kopilot does not manage DNS records; point the "
    "alias at kopilot's load balancer (the EcsEnvironment's status.loadBalancers) when it "
    "serves"
)


def _alias(b: Builder, item: Any, path: str, ctx: ServiceContext) -> None:
    """`alias: a.com`, `alias: [a.com, b.com]` or `alias: [{name: a.com, hosted_zone: Z1}]`."""
    names: list[str] = []
    entries = item if isinstance(item, list) else [item]
    for i, entry in enumerate(entries):
        if isinstance(entry, str):
            names.append(entry)
        elif isinstance(entry, dict) and isinstance(entry.get("name"), str):
            names.append(entry["name"])
            for extra in entry:
                if extra == "hosted_zone":
                    b.skip(f"{path}[{i}].hosted_zone", _ROUTE53)
                elif extra != "name":
                    b.unknown(f"{path}[{i}].{extra}", f"{ctx.type} manifest's http.alias")
        else:
            raise ValueKindError(f"{item!r} is not a host name, a list of them or of {{name}}")
    if any(_per_environment(name, ctx) for name in names):
        b.done(path)  # each overlay writes it, interpolated
    else:
        b.put(("http", "alias"), names, path)


def _target_health_check(b: Builder, item: Any, path: str, ctx: ServiceContext) -> None:
    kpath: KPath = ("http", "healthCheck")
    if isinstance(item, str):
        b.put((*kpath, "path"), _slash(item), path)
        return
    if not isinstance(item, dict):
        raise ValueKindError(f"{item!r} is neither a path nor a map")
    for key, value in item.items():
        sub = f"{path}.{key}"
        if value is None:
            continue
        try:
            if key == "path":
                if not isinstance(value, str):
                    raise ValueKindError(f"{value!r} is not a path")
                b.put((*kpath, "path"), _slash(value), sub)
            elif key == "success_codes":
                b.put((*kpath, "successCodes"), str(value), sub)
            elif key in ("port", "healthy_threshold", "unhealthy_threshold"):
                b.put((*kpath, camel(key)), as_int(value), sub)
            elif key in ("interval", "timeout", "grace_period"):
                b.put((*kpath, camel(key)), duration_seconds(value), sub)
            else:
                b.unknown(sub, f"{ctx.type} manifest's http.healthcheck")
        except ValueKindError as err:
            b.invalid(sub, err)


def _slash(path: str) -> str:
    """Copilot's convertPath: a leading / is added."""
    return path if path.startswith("/") else "/" + path


def _per_environment(value: str, ctx: ServiceContext) -> bool:
    """A value only an environment's overlay can hold (the base keeps no variable)."""
    return ctx.env is None and "${" + ENV_VARIABLE + "}" in value


def _target_sidecar(http: dict[str, Any], ctx: ServiceContext) -> str | None:
    """The sidecar Copilot routes to (RoutingRule.Target): target_container naming one, or
    target_port that a sidecar exposes; None for the main container."""
    container = http.get("target_container") or http.get("targetContainer")
    if isinstance(container, str) and container and container != ctx.name:
        return container
    port = http.get("target_port")
    if container is None and port is not None:
        for name, sidecar_port in ctx.sidecar_ports.items():
            if str(port) == sidecar_port:
                return name
    return None


def _sidecar_why(sidecar: str, ctx: ServiceContext) -> str:
    return (
        f"the load balancer routes to sidecar {sidecar}: kopilot's spec.http routes to the "
        f"service's own container ({ctx.name or '{svc}'}) on spec.port"
    )


_SERVICE_FIELDS: dict[str, tuple[tuple[str, ...], _Handler]] = {
    "name": (_ALL, _name),
    "type": (_ALL, _type),
    "image": (_ALL, _image),
    "entrypoint": (_ALL, _shell_words(("entryPoint",), "entrypoint")),
    "command": (_ALL, _shell_words(("command",), "command")),
    "cpu": (_ALL, _int_field(("cpu",), "cpu")),
    "memory": (_ALL, _int_field(("memory",), "memory")),
    "platform": (_ALL, _platform),
    "count": (_ALL, _count),
    "exec": (_ALL, _exec),
    "variables": (_ALL, _variables),
    "env_file": (
        _ALL,
        _skip_block(
            "an environment file in S3 (environmentFiles): kopilot has no field for it; copy "
            "its variables into spec.variables"
        ),
    ),
    "secrets": (_ALL, _secrets),
    "storage": (
        _ALL,
        _skip_block(f"volumes, EFS and ephemeral storage: kopilot has none yet; {LATER}"),
    ),
    "logging": (_ALL, _logging),
    "sidecars": (_ALL, _sidecars),
    "network": (_ALL, _network),
    "publish": (
        _ALL,
        _skip_block(
            "SNS topics: kopilot does not create them, and it reserves COPILOT_* variables "
            "(COPILOT_SNS_TOPIC_ARNS); keep the topics and pass their ARNs in another variable"
        ),
    ),
    "subscribe": (
        (WORKER_SERVICE,),
        _skip_block(
            "the SQS queue and its SNS subscriptions: kopilot does not create them, and it "
            "reserves COPILOT_* variables (COPILOT_QUEUE_URI); keep the queue and pass its "
            "URL in another variable"
        ),
    ),
    "taskdef_overrides": (
        _ALL,
        _skip_block(
            "overrides of Copilot's CloudFormation task definition: kopilot renders the task "
            "definition from the spec; move what they set to spec fields where kopilot has them"
        ),
    ),
    "deployment": (_ALL, _deployment),
    "observability": (
        _ALL,
        _skip_block("X-Ray tracing (an OpenTelemetry collector sidecar): kopilot does not add it"),
    ),
    "http": ((LOAD_BALANCED_WEB_SERVICE, BACKEND_SERVICE), _http),
    "nlb": (
        (LOAD_BALANCED_WEB_SERVICE,),
        _skip_block(
            "the Network Load Balancer: kopilot makes Application Load Balancers only "
            f"(spec.http); {LATER}"
        ),
    ),
}

_SERVICE_ORDER = (
    "app",
    "environment",
    "image",
    "port",
    "portName",
    "protocol",
    "cpu",
    "memory",
    "count",
    "platform",
    "command",
    "entryPoint",
    "variables",
    "secrets",
    "healthCheck",
    "dependsOn",
    "sidecars",
    "exec",
    "http",
    "network",
    "deployment",
)


def map_service(
    manifest: dict[str, Any],
    ctx: ServiceContext,
    file: str,
    top_level: dict[str, Any] | None = None,
) -> Mapping:
    """A service manifest (top level, or merged for ctx.env) -> EcsService spec.
    `top_level` is the top level's spec: what an environment keeps of it when the API
    refuses what the environment's override makes of a field."""
    interpolated = interpolate(manifest, ctx.app, ctx.env, keep=(ALIAS_FIELD,))
    ctx = replace(
        ctx,
        name=ctx.name or (str(manifest["name"]) if manifest.get("name") else None),
        sidecar_ports=ctx.sidecar_ports or _sidecar_ports(interpolated.doc.get("sidecars")),
    )
    b = Builder(file)
    b.result.spec["app"] = ctx.app
    if ctx.env is not None:
        b.result.spec["environment"] = ctx.env
    for key, value in interpolated.doc.items():
        if key == "environments":
            continue  # merged in by the caller
        entry = _SERVICE_FIELDS.get(str(key))
        if entry is None or ctx.type not in entry[0]:
            b.unknown(str(key), f"{ctx.type} manifest")
            continue
        entry[1](b, str(key), value, ctx)
    spec = b.result.spec
    if "image" not in spec:
        spec["image"] = IMAGE_PLACEHOLDER
        b.result.origins[("image",)] = "image"
        if not any(u.field.startswith("image") for u in b.result.unmapped):
            b.skip("image", f"no image.location: set spec.image (written as {IMAGE_PLACEHOLDER})")
    _report_shell_variables(b, interpolated.shell_variables)
    spec = validate(
        EcsServiceSpec, spec, b, ctx.env or "base", {"image": IMAGE_PLACEHOLDER}, top_level
    )
    if "port" in spec:
        # Copilot gives its port mapping no appProtocol, so Service Connect proxies it as
        # TCP; kopilot's default (http) would add HTTP-aware proxying and its 15 s
        # per-request timeout.
        spec["protocol"] = "tcp"
    connect = (spec.get("network") or {}).get("connect")
    if isinstance(connect, dict) and connect.get("enabled", True) is not False:
        # What Copilot's service-base-properties.yml gives every Service Connect service,
        # client or server: the proxy logs to the service's log group with prefix copilot;
        # and a server's port mapping is `target`. Kept, so adopting the service registers
        # no new revision and starts no deployment. With Service Connect off, neither.
        connect.setdefault("logs", {"streamPrefix": COPILOT_LOG_PREFIX})
        if "port" in spec:
            spec["portName"] = COPILOT_PORT_NAME
    b.result.spec = ordered(spec, _SERVICE_ORDER)
    return b.result


def _sidecar_ports(sidecars: Any) -> dict[str, str]:
    """Each sidecar's port (`port: 80` or `port: 80/tcp`), as text."""
    ports: dict[str, str] = {}
    for name, sidecar in (sidecars or {}).items() if isinstance(sidecars, dict) else []:
        port = sidecar.get("port") if isinstance(sidecar, dict) else None
        if port is not None:
            ports[str(name)] = str(port).split("/")[0]
    return ports


def _report_shell_variables(b: Builder, uses: dict[str, list[str]]) -> None:
    """A value that still holds `${VAR}`: Copilot took VAR from the deploying shell."""
    for path, names in uses.items():
        if any(path == m or path.startswith(m + ".") for m in b.result.mapped):
            listed = ", ".join("${" + n + "}" for n in names)
            b.skip(
                path,
                f"uses {listed}, which Copilot took from the shell that deployed it: kopilot "
                "does not interpolate it; write the value",
            )
            if path in b.result.mapped:
                b.result.mapped.remove(path)
