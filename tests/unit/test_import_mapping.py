"""`kopilot import`: Copilot manifests (written from Copilot's manifest reference) -> the
exact kopilot specs and the exact list of what is not mapped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from controller.api import EcsEnvironmentSpec, EcsServiceSpec
from controller.migrate import Options, Unmapped, plan_import, read_workspace
from controller.migrate.copilot import (
    ManifestYAMLError,
    ValueKindError,
    as_bool,
    as_int,
    duration_seconds,
    interpolate,
    load_yaml,
    merge_override,
    split_shell,
)
from controller.migrate.environments import EnvironmentContext, map_environment
from controller.migrate.layout import layout_files
from controller.migrate.plan import merge_patch, touches
from controller.migrate.services import ServiceContext, map_service
from controller.migrate.workspace import WorkspaceError

KUDOS = Path(__file__).resolve().parents[1] / "migrate" / "workspaces" / "kudos"
FILE = "copilot/svc/manifest.yml"
LATER = "a later kopilot version maps this"
BUILD = (
    "kopilot does not build images: build and push the image as Copilot did (to ECR), then "
    "set spec.image (written as <set-me>)"
)
# What Copilot's target group leaves to Elastic Load Balancing: 5 successes, every 30 s.
ELB_CHECK = {"healthyThreshold": 5, "interval": 30}
ROUTE53 = (
    "a Route 53 hosted zone for the alias: kopilot does not manage DNS records; point the "
    "alias at kopilot's load balancer (the EcsEnvironment's status.loadBalancers) when it "
    "serves"
)
FARGATE = (
    "memory is not a Fargate size for this cpu: 256 takes 512, 1024 or 2048; 512 takes "
    "1024-4096; 1024 takes 2048-8192; 2048 takes 4096-16384; 4096 takes 8192-30720 (steps of "
    "1024); 8192 takes 16384-61440 (steps of 4096); 16384 takes 32768-122880 (steps of 8192)"
)


def unknown(where: str) -> str:
    return (
        f"not a field of Copilot's {where} (Copilot ignores it): check it against Copilot's "
        "manifest reference"
    )


def service(text: str, env: str | None = None) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    doc = load_yaml(text)
    mapping = map_service(doc, ServiceContext(doc["type"], "kudos", env, "us-east-1"), FILE)
    assert all(u.file == FILE for u in mapping.unmapped)
    return mapping.spec, [(u.field, u.why) for u in mapping.unmapped]


SERVICE_CASES = [
    pytest.param(
        # Load Balanced Web Service, "Basic" sample.
        """
        name: 'frontend'
        type: 'Load Balanced Web Service'
        image:
          build: './frontend/Dockerfile'
          port: 8080
        http:
          path: '/'
          healthcheck: '/_healthcheck'
        cpu: 256
        memory: 512
        count: 3
        exec: true
        variables:
          LOG_LEVEL: info
        secrets:
          GITHUB_TOKEN: GITHUB_TOKEN
          DB_SECRET:
            secretsmanager: 'mysql'
        """,
        {
            "app": "kudos",
            "image": "<set-me>",
            "port": 8080,
            "protocol": "tcp",
            "cpu": 256,
            "memory": 512,
            "count": 3,
            "variables": {"LOG_LEVEL": "info"},
            "exec": True,
            "http": {"path": "/", "healthCheck": {"path": "/_healthcheck", **ELB_CHECK}},
        },
        [
            ("image.build", BUILD),
            (
                "secrets.GITHUB_TOKEN",
                "the SSM parameter name GITHUB_TOKEN: kopilot's secrets take ARNs; write "
                "arn:aws:ssm:us-east-1:ACCOUNT_ID:parameter/GITHUB_TOKEN",
            ),
            (
                "secrets.DB_SECRET",
                "the Secrets Manager secret name mysql: kopilot's secrets take ARNs; write "
                "arn:aws:secretsmanager:us-east-1:ACCOUNT_ID:secret:mysql",
            ),
        ],
        id="lb-web-service-basic",
    ),
    pytest.param(
        # Load Balanced Web Service, "Autoscaling" sample: a count range.
        """
        name: 'frontend'
        type: 'Load Balanced Web Service'
        http:
          path: '/'
        image:
          location: aws_account_id.dkr.ecr.us-west-2.amazonaws.com/frontend:latest
          port: 80
        cpu: 512
        memory: 1024
        count:
          range: 1-10
          cooldown:
            in: 60s
            out: 30s
          cpu_percentage: 70
          requests: 30
          response_time: 2s
        """,
        {
            "app": "kudos",
            "image": "aws_account_id.dkr.ecr.us-west-2.amazonaws.com/frontend:latest",
            "port": 80,
            "protocol": "tcp",
            "cpu": 512,
            "memory": 1024,
            "autoscaling": {
                "min": 1,
                "max": 10,
                "cooldown": {"in": 60, "out": 30},
                "cpuPercentage": 70,
                "requestsPerTarget": 30,
                "responseTime": 2.0,
            },
            "http": {"path": "/", "healthCheck": ELB_CHECK},
        },
        [],
        id="lb-web-service-count-range",
    ),
    pytest.param(
        # "Network Load Balancer" sample: http: false, nlb, a sidecar, placement.
        """
        name: 'frontend'
        type: 'Load Balanced Web Service'
        image:
          location: nginx:1.27
          port: 8080
        http: false
        nlb:
          alias: 'example.com'
          port: 80/tcp
          target_container: envoy
        network:
          vpc:
            placement: 'private'
        sidecars:
          envoy:
            port: 80
            image: aws_account_id.dkr.ecr.us-west-2.amazonaws.com/envoy:latest
        """,
        {
            "app": "kudos",
            "image": "nginx:1.27",
            "port": 8080,
            "protocol": "tcp",
            "sidecars": [
                {
                    "name": "envoy",
                    "image": "aws_account_id.dkr.ecr.us-west-2.amazonaws.com/envoy:latest",
                    "port": 80,
                }
            ],
        },
        [
            (
                "nlb",
                "the Network Load Balancer: kopilot makes Application Load Balancers only "
                f"(spec.http); {LATER}",
            ),
            (
                "network.vpc.placement",
                "kopilot runs every task of an environment in EcsEnvironment spec.network (the "
                "private subnets when Copilot's environment has both)",
            ),
        ],
        id="lb-web-service-nlb-sidecars",
    ),
    pytest.param(
        # Backend Service with Service Connect under an alias that keeps its Service
        # Discovery name: the ${COPILOT_*} variables stay as written.
        """
        name: api
        type: Backend Service
        image:
          location: public.ecr.aws/nginx/nginx:1.27
          port: 8080
          healthcheck:
            command: ["CMD-SHELL", "curl -f http://localhost:8080/ || exit 1"]
            interval: 1m30s
            timeout: 10s
            retries: 3
            start_period: 1500ms
        network:
          connect:
            alias: ${COPILOT_SERVICE_NAME}.${COPILOT_ENVIRONMENT_NAME}.${COPILOT_APPLICATION_NAME}.local
        deployment:
          rolling: recreate
        """,
        {
            "app": "kudos",
            "image": "public.ecr.aws/nginx/nginx:1.27",
            "port": 8080,
            # Copilot's Service Connect server: its port mapping is `target`, the proxy
            # logs with the stream prefix copilot (service-base-properties.yml).
            "portName": "target",
            "protocol": "tcp",
            "healthCheck": {
                "command": ["CMD-SHELL", "curl -f http://localhost:8080/ || exit 1"],
                "interval": 90,
                "timeout": 10,
                "retries": 3,
                "startPeriod": 1,
            },
            "network": {
                "connect": {
                    "alias": "${COPILOT_SERVICE_NAME}.${COPILOT_ENVIRONMENT_NAME}"
                    ".${COPILOT_APPLICATION_NAME}.local",
                    "logs": {"streamPrefix": "copilot"},
                }
            },
            "deployment": {"minHealthyPercent": 0, "maxPercent": 100},
        },
        [],
        id="backend-service-connect-alias",
    ),
    pytest.param(
        # Backend Service: connect true, shell-string command and entrypoint, platform,
        # a partial health check (Copilot's default command), variables read as written.
        """
        name: api
        type: Backend Service
        image:
          location: public.ecr.aws/nginx/nginx:1.27
          healthcheck:
            retries: 5
        command: nginx -g "daemon off;"
        entrypoint: "/docker-entrypoint.sh"
        platform: linux/amd64
        exec: false
        http: false
        variables:
          DEBUG: yes
          BUILD: 007
          EMPTY:
        network:
          connect: true
        deployment:
          rolling: default
        """,
        {
            "app": "kudos",
            "image": "public.ecr.aws/nginx/nginx:1.27",
            "platform": "linux/x86_64",
            "command": ["nginx", "-g", "daemon off;"],
            "entryPoint": ["/docker-entrypoint.sh"],
            "variables": {"DEBUG": "yes", "BUILD": "007", "EMPTY": ""},
            "healthCheck": {
                "command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
                "retries": 5,
            },
            # A client only (no port): no port name, and Copilot's proxy logs all the same.
            "network": {"connect": {"enabled": True, "logs": {"streamPrefix": "copilot"}}},
        },
        [],
        id="backend-service-connect-true",
    ),
    pytest.param(
        # Worker Service sample: subscribe, the queue-delay autoscaling, rollback alarms.
        """
        name: 'orders-worker'
        type: 'Worker Service'
        image:
          location: aws_account_id.dkr.ecr.us-west-2.amazonaws.com/worker:v1
        cpu: 256
        memory: 512
        count:
          range: {min: 1, max: 10, spot_from: 3}
          queue_delay:
            acceptable_latency: 10m
            msg_processing_time: 250ms
        exec: {enable: true}
        subscribe:
          topics:
            - name: 'events'
              service: 'api'
          queue:
            retention: 96h
        deployment:
          rollback_alarms:
            cpu_utilization: 70
        platform: linux/arm64
        """,
        {
            "app": "kudos",
            "image": "aws_account_id.dkr.ecr.us-west-2.amazonaws.com/worker:v1",
            "cpu": 256,
            "memory": 512,
            "autoscaling": {"min": 1, "max": 10},
            "platform": "linux/arm64",
            "exec": True,
        },
        [
            (
                "count.range.spot_from",
                f"Fargate Spot: kopilot runs tasks on Fargate on-demand; {LATER}",
            ),
            (
                "count.queue_delay",
                "scaling on an SQS queue's backlog: kopilot makes no queue (see subscribe)",
            ),
            (
                "subscribe",
                "the SQS queue and its SNS subscriptions: kopilot does not create them, and it "
                "reserves COPILOT_* variables (COPILOT_QUEUE_URI); keep the queue and pass its "
                "URL in another variable",
            ),
            (
                "deployment.rollback_alarms",
                "rollback on CloudWatch alarms: kopilot rolls back with the deployment circuit "
                f"breaker only; {LATER}",
            ),
        ],
        id="worker-service",
    ),
    pytest.param(
        # Unknown fields (Copilot ignores them), a Worker's image.port, Windows, logging,
        # storage, publish, observability, taskdef_overrides, env_file, from_cfn values.
        """
        name: worker
        type: Worker Service
        image:
          location: busybox
          port: 80
          credentials: arn:aws:secretsmanager:us-east-1:123456789012:secret:hub
        colour: blue
        platform: windows/x86_64
        logging:
          retention: 14
          destination: {Name: cloudwatch}
        storage:
          ephemeral: 100
        publish:
          topics:
            - name: done
        observability:
          tracing: awsxray
        taskdef_overrides:
          - path: Ulimits[-]
            value: {Name: cpu}
        env_file: env/worker.env
        variables:
          TABLE:
            from_cfn: kudos-test-TableName
        secrets:
          KEY:
            from_cfn: kudos-test-KeyArn
        """,
        {"app": "kudos", "image": "busybox"},
        [
            ("image.port", unknown("Worker Service manifest")),
            (
                "image.credentials",
                "private registry credentials (repositoryCredentials): kopilot has no field "
                f"for them; {LATER}",
            ),
            ("colour", unknown("Worker Service manifest")),
            ("platform", "Windows tasks: kopilot runs Linux tasks (linux/x86_64, linux/arm64)"),
            (
                "logging.retention",
                "kopilot does not manage log groups: it logs to Copilot's group "
                "/copilot/kudos-{env}-{svc}, whose retention stays as Copilot set it",
            ),
            (
                "logging.destination",
                "FireLens log routing (a Fluent Bit sidecar): kopilot sends the container's "
                "logs to CloudWatch Logs with awslogs",
            ),
            ("storage", f"volumes, EFS and ephemeral storage: kopilot has none yet; {LATER}"),
            (
                "publish",
                "SNS topics: kopilot does not create them, and it reserves COPILOT_* variables "
                "(COPILOT_SNS_TOPIC_ARNS); keep the topics and pass their ARNs in another "
                "variable",
            ),
            (
                "observability",
                "X-Ray tracing (an OpenTelemetry collector sidecar): kopilot does not add it",
            ),
            (
                "taskdef_overrides",
                "overrides of Copilot's CloudFormation task definition: kopilot renders the "
                "task definition from the spec; move what they set to spec fields where kopilot "
                "has them",
            ),
            (
                "env_file",
                "an environment file in S3 (environmentFiles): kopilot has no field for it; "
                "copy its variables into spec.variables",
            ),
            (
                "variables.TABLE",
                "the value of the CloudFormation export kudos-test-TableName: kopilot does not "
                "read exports; write the value in spec.variables",
            ),
            (
                "secrets.KEY",
                "the value of the CloudFormation export kudos-test-KeyArn: kopilot does not "
                "read exports; write the ARN in spec.secrets",
            ),
        ],
        id="unknown-and-unsupported-fields",
    ),
    pytest.param(
        # Values kopilot's API refuses are reported with its message and left out.
        """
        name: api
        type: Backend Service
        image:
          location: nginx
          port: 8080
          healthcheck:
            command: [CMD, true]
            interval: 10m
        cpu: 1024
        memory: 3000
        variables:
          COPILOT_LB_DNS: internal
          OK: fine
        secrets:
          TOKEN: arn:aws:ssm:us-east-1:123:parameter/token
        """,
        {
            "app": "kudos",
            "image": "nginx",
            "port": 8080,
            "protocol": "tcp",
            "variables": {"OK": "fine"},
            "healthCheck": {"command": ["CMD", "true"]},
        },
        [
            (
                "secrets.TOKEN",
                'kopilot\'s API refuses "arn:aws:ssm:us-east-1:123:parameter/token": String '
                "should match pattern '^arn:aws[a-z-]*:(ssm|secretsmanager):[a-z0-9-]+:"
                "[0-9]{12}:(parameter/|secret:).+$'; it is left out",
            ),
            (
                "image.healthcheck.interval",
                "kopilot's API refuses 600: Input should be less than or equal to 300; it is "
                "left out",
            ),
            (
                "cpu",
                f"kopilot's API refuses cpu 1024 with memory 3000: {FARGATE}; it is left out, "
                "so kopilot's default applies",
            ),
            (
                "memory",
                f"kopilot's API refuses cpu 1024 with memory 3000: {FARGATE}; it is left out, "
                "so kopilot's default applies",
            ),
            (
                "variables.COPILOT_LB_DNS",
                'kopilot\'s API refuses "internal": variables must not set COPILOT_* names: '
                "kopilot sets COPILOT_APPLICATION_NAME, COPILOT_ENVIRONMENT_NAME, "
                "COPILOT_SERVICE_NAME, COPILOT_SERVICE_DISCOVERY_ENDPOINT; it is left out",
            ),
        ],
        id="refused-by-the-api",
    ),
    pytest.param(
        # Interpolation: the app's name everywhere, the environment's where one is given,
        # a JSON array string becomes a list, `\${X}` stands for itself, and what the
        # deploying shell gave is reported.
        r"""
        name: api
        type: Backend Service
        image:
          location: 123456789012.dkr.ecr.us-east-1.amazonaws.com/${COPILOT_APPLICATION_NAME}/api:${TAG}
        command: '["python", "-m", "${COPILOT_APPLICATION_NAME}"]'
        variables:
          ENV: ${COPILOT_ENVIRONMENT_NAME}
          LITERAL: \${HOME}
        """,
        {
            "app": "kudos",
            "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/kudos/api:${TAG}",
            "command": ["python", "-m", "kudos"],
            "variables": {"ENV": "${COPILOT_ENVIRONMENT_NAME}", "LITERAL": "${HOME}"},
        },
        [
            (
                "image.location",
                "uses ${TAG}, which Copilot took from the shell that deployed it: kopilot does "
                "not interpolate it; write the value",
            )
        ],
        id="interpolation",
    ),
    pytest.param(
        # A service with no image at all and Copilot fields of the wrong kind.
        """
        name: api
        type: Backend Service
        cpu: lots
        count: {spot: 2, colour: red}
        command: "echo 'unterminated"
        deployment:
          rolling: blue-green
        network:
          connect: {alias: api.local, port: 80}
        """,
        {"app": "kudos", "image": "<set-me>", "count": 2},
        [
            ("cpu", "'lots' is not an integer (Copilot refuses it too): fix the manifest"),
            (
                "count.spot",
                "Fargate Spot: kopilot runs tasks on Fargate on-demand; a later kopilot version "
                "maps this; spec.count is 2, the desired count Copilot starts from",
            ),
            ("count.colour", unknown("Backend Service manifest's count")),
            (
                "command",
                '"echo \'unterminated" does not split into words: No closing quotation '
                "(Copilot refuses it too): fix the manifest",
            ),
            (
                "deployment.rolling",
                "'blue-green' is not 'default' or 'recreate' (Copilot refuses it too): fix the "
                "manifest",
            ),
            ("network.connect.port", unknown("Backend Service manifest's network.connect")),
            ("image", "no image.location: set spec.image (written as <set-me>)"),
            (
                "network.connect",
                'kopilot\'s API refuses {"alias": "api.local"}: network.connect alias, '
                "clientPort, discoveryName, ingressPortOverride, timeouts and tls are for a "
                "server: set port, or remove them for a client-only service; it is left out",
            ),
        ],
        id="wrong-kinds",
    ),
    pytest.param(
        # Copilot's sidecar fields (sidecar-config), and the main container waiting for one
        # (image.depends_on): sidecars in Copilot's order, by name.
        """
        name: api
        type: Backend Service
        image:
          location: nginx:1.27
          port: 8080
          depends_on:
            envoy: healthy
        sidecars:
          migrate:
            image: flyway/flyway:10
            essential: false
            command: migrate -url=jdbc:postgresql://db
            variables:
              FLYWAY_LOCATIONS: filesystem:/sql
            secrets:
              FLYWAY_PASSWORD: arn:aws:ssm:us-east-1:123456789012:parameter/db
            depends_on:
              envoy: start
          envoy:
            image:
              location: envoyproxy/envoy:v1.31
            port: 9901/tcp
            entrypoint: ["/docker-entrypoint.sh"]
            healthcheck:
              command: ["CMD-SHELL", "curl -f http://localhost:9901/ready || exit 1"]
              interval: 5s
            credentialsParameter: arn:aws:secretsmanager:us-east-1:123456789012:secret:hub
            mount_points:
              - source_volume: data
                path: /data
            labels:
              team: edge
          statsd:
            image:
              build: statsd/Dockerfile
            port: 8125/udp
            colour: blue
        """,
        {
            "app": "kudos",
            "image": "nginx:1.27",
            "port": 8080,
            "protocol": "tcp",
            "dependsOn": {"envoy": "HEALTHY"},
            "sidecars": [
                {
                    "name": "envoy",
                    "image": "envoyproxy/envoy:v1.31",
                    "port": 9901,
                    "entryPoint": ["/docker-entrypoint.sh"],
                    "healthCheck": {
                        "command": ["CMD-SHELL", "curl -f http://localhost:9901/ready || exit 1"],
                        "interval": 5,
                    },
                },
                {
                    "name": "migrate",
                    "image": "flyway/flyway:10",
                    "essential": False,
                    "command": ["migrate", "-url=jdbc:postgresql://db"],
                    "variables": {"FLYWAY_LOCATIONS": "filesystem:/sql"},
                    "secrets": {
                        "FLYWAY_PASSWORD": "arn:aws:ssm:us-east-1:123456789012:parameter/db"
                    },
                    "dependsOn": {"envoy": "START"},
                },
                {"name": "statsd", "image": "<set-me>"},
            ],
        },
        [
            (
                "sidecars.envoy.credentialsParameter",
                "private registry credentials (repositoryCredentials): kopilot has no field "
                f"for them; {LATER}",
            ),
            ("sidecars.envoy.mount_points", f"volumes: kopilot has none yet; {LATER}"),
            ("sidecars.envoy.labels", f"Docker labels: kopilot has no field for them; {LATER}"),
            (
                "sidecars.statsd.image.build",
                "kopilot does not build images: build and push the image as Copilot did (to "
                "ECR), then set the sidecar's image (written as <set-me>)",
            ),
            ("sidecars.statsd.port", "a udp port: kopilot maps tcp ports"),
            ("sidecars.statsd.colour", unknown("Backend Service manifest's sidecars")),
        ],
        id="sidecars",
    ),
    pytest.param(
        # What kopilot's API refuses in a sidecar leaves the sidecars out, reported.
        """
        name: api
        type: Backend Service
        image:
          location: nginx:1.27
          port: 8080
        sidecars:
          envoy:
            image: envoyproxy/envoy:v1.31
            port: 8080
        """,
        {"app": "kudos", "image": "nginx:1.27", "port": 8080, "protocol": "tcp"},
        [
            (
                "sidecars",
                'kopilot\'s API refuses [{"name": "envoy", "image": '
                '"envoyproxy/envoy:v1.31", "port": 8080}]: sidecars[].port must be a port '
                "of its own: not another sidecar's, nor the service's (port, ports, "
                "http.targetPort); a task's containers share one network; it is left out, so "
                "kopilot's default applies",
            )
        ],
        id="sidecar-refused",
    ),
]


@pytest.mark.parametrize(("manifest", "spec", "unmapped"), SERVICE_CASES)
def test_service_manifest(manifest: str, spec: dict[str, Any], unmapped: list[Any]) -> None:
    got_spec, got_unmapped = service(_dedent(manifest))
    assert got_spec == spec
    assert got_unmapped == unmapped
    EcsServiceSpec.model_validate({**got_spec, "environment": "test"})


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text)


# -- http: the load balancer's routing rule ------------------------------------------------

LBWS = "Load Balanced Web Service"
BACKEND = "Backend Service"


def sidecar_why(sidecar: str) -> str:
    return (
        f"the load balancer routes to sidecar {sidecar}: kopilot's spec.http routes to the "
        "service's own container (web) on spec.port"
    )


HTTP_CASES = [
    pytest.param(
        # Copilot's "Larger containers" sample: every field of the map form, durations.
        LBWS,
        """
        http:
          path: '/'
          healthcheck:
            path: '/_deephealthcheck'
            port: 8080
            success_codes: '200,301'
            healthy_threshold: 4
            unhealthy_threshold: 2
            interval: 15s
            timeout: 10s
            grace_period: 2m
          deregistration_delay: 50s
          stickiness: true
          allowed_source_ips: ["10.24.34.0/23"]
        """,
        None,
        {
            "path": "/",
            "healthCheck": {
                "path": "/_deephealthcheck",
                "port": 8080,
                "successCodes": "200,301",
                "healthyThreshold": 4,
                "unhealthyThreshold": 2,
                "interval": 15,
                "timeout": 10,
                "gracePeriod": 120,
            },
            "deregistrationDelay": 50,
            "stickiness": True,
            "allowedSourceIps": ["10.24.34.0/23"],
        },
        [],
        id="every-field",
    ),
    pytest.param(
        # A string health check is its path (Copilot adds the leading /); an alias string.
        LBWS,
        """
        http:
          path: api
          healthcheck: healthz
          alias: example.com
        """,
        None,
        {
            "path": "api",
            "alias": ["example.com"],
            "healthCheck": {"path": "/healthz", **ELB_CHECK},
        },
        [],
        id="string-forms",
    ),
    pytest.param(
        LBWS,
        """
        http:
          path: /
          alias: [example.com, www.example.com]
          redirect_to_https: true
          version: http1
        """,
        None,
        {"path": "/", "alias": ["example.com", "www.example.com"], "healthCheck": ELB_CHECK},
        [],
        id="alias-list-redirect-http1",
    ),
    pytest.param(
        # The advanced alias: host names mapped, hosted zones (Route 53) reported.
        LBWS,
        """
        http:
          path: /
          alias:
            - name: example.com
              hosted_zone: Z0873220N255IR3MTNR4
            - name: www.example.com
          hosted_zone: Z0873220N255IR3MTNR4
        """,
        None,
        {"path": "/", "alias": ["example.com", "www.example.com"], "healthCheck": ELB_CHECK},
        [("http.alias[0].hosted_zone", ROUTE53), ("http.hosted_zone", ROUTE53)],
        id="advanced-alias-hosted-zones",
    ),
    pytest.param(
        # An alias using the environment's name: each overlay writes it, interpolated.
        LBWS,
        """
        http:
          path: /
          alias: ${COPILOT_ENVIRONMENT_NAME}.example.com
        """,
        None,
        {"path": "/", "healthCheck": ELB_CHECK},
        [],
        id="alias-per-environment-top-level",
    ),
    pytest.param(
        LBWS,
        """
        http:
          path: /
          alias: ${COPILOT_ENVIRONMENT_NAME}.example.com
        """,
        "test",
        {"path": "/", "alias": ["test.example.com"], "healthCheck": ELB_CHECK},
        [],
        id="alias-per-environment-in-test",
    ),
    pytest.param(
        # The main container named as the target: its port goes to targetPort.
        LBWS,
        """
        http:
          path: /
          target_container: web
          target_port: 8081
        """,
        None,
        {"path": "/", "targetPort": 8081, "healthCheck": ELB_CHECK},
        [],
        id="target-main-container",
    ),
    pytest.param(
        LBWS,
        """
        http:
          path: /
          target_container: envoy
          target_port: 9090
        sidecars:
          envoy:
            image: envoyproxy/envoy:v1.31
            port: 9090
        """,
        None,
        {"path": "/", "healthCheck": ELB_CHECK},
        [
            ("http.target_container", sidecar_why("envoy")),
            ("http.target_port", sidecar_why("envoy")),
        ],
        id="target-sidecar",
    ),
    pytest.param(
        # target_port alone routes to the container exposing it (RoutingRule.Target).
        LBWS,
        """
        http:
          path: /
          target_port: 9090
        sidecars:
          envoy:
            image: envoyproxy/envoy:v1.31
            port: 9090/tcp
        """,
        None,
        {"path": "/", "healthCheck": ELB_CHECK},
        [("http.target_port", sidecar_why("envoy"))],
        id="target-port-of-a-sidecar",
    ),
    pytest.param(
        LBWS,
        """
        http:
          path: /
          redirect_to_https: false
          version: grpc
          additional_rules:
            - path: admin
          alb: arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shared/1
          public: {}
          colour: blue
        """,
        None,
        {"path": "/", "healthCheck": ELB_CHECK},
        [
            (
                "http.redirect_to_https",
                "serving plain HTTP beside HTTPS: kopilot's port 80 always redirects to 443 "
                "when the load balancer has certificates",
            ),
            (
                "http.version",
                "target group protocol version grpc: kopilot's target groups speak HTTP/1.1; "
                f"{LATER}",
            ),
            (
                "http.additional_rules",
                "more listener rules (paths, ports, containers): kopilot routes one path to "
                f"one port of a service; {LATER}",
            ),
            (
                "http.alb",
                "an imported load balancer: kopilot routes from the load balancers of the "
                "EcsEnvironment (spec.http), which it makes and names itself; it cannot use "
                "another one",
            ),
            (
                "http.public",
                "not a field of released Copilot's Load Balanced Web Service manifest (v1.33 "
                "ignores it and routes from the environment's public load balancer); kopilot "
                "places the rule with spec.http.public (true: the environment's public load "
                "balancer, false: its private one) and cannot place the service's load "
                "balancer otherwise",
            ),
            ("http.colour", unknown("Load Balanced Web Service manifest's http")),
        ],
        id="reported-fields",
    ),
    pytest.param(LBWS, "http: false", None, None, [], id="http-false"),
    pytest.param(
        LBWS,
        "http: true",
        None,
        None,
        [
            (
                "http",
                "true gives no http.path (Copilot requires one) (Copilot refuses it too): fix "
                "the manifest",
            )
        ],
        id="http-true",
    ),
    pytest.param(
        # Values of the wrong kind, and what kopilot's API refuses.
        LBWS,
        """
        http:
          path: /
          stickiness: maybe
          healthcheck:
            interval: 10s
            timeout: 10s
            colour: red
          alias: [a.example.com, b.example.com]
          allowed_source_ips: [10.0.0.0/24, 10.0.1.0/24]
        """,
        None,
        {
            "path": "/",
            "healthCheck": {"healthyThreshold": 5, "interval": 10},
            "allowedSourceIps": ["10.0.0.0/24", "10.0.1.0/24"],
        },
        [
            (
                "http.stickiness",
                "'maybe' is not a boolean (Copilot refuses it too): fix the manifest",
            ),
            (
                "http.healthcheck.colour",
                unknown("Load Balanced Web Service manifest's http.healthcheck"),
            ),
            (
                "http.healthcheck.timeout",
                "kopilot's API refuses 10: healthCheck.timeout must be less than "
                "healthCheck.interval; it is left out",
            ),
            (
                "http.alias",
                'kopilot\'s API refuses ["a.example.com", "b.example.com"]: a listener rule '
                "takes 5 condition values: the path's two (/api and /api/*) and at most 3 more "
                "between alias and allowedSourceIps; it is left out",
            ),
        ],
        id="wrong-kinds-and-refused",
    ),
    pytest.param(
        # A Backend Service's http: the environment's internal load balancer, matched by the
        # host Copilot's internal listener rule matches.
        BACKEND,
        """
        http:
          path: /
          healthcheck: /healthz
        """,
        "test",
        {
            "public": False,
            "path": "/",
            "alias": ["web.test.kudos.internal"],
            "healthCheck": {"path": "/healthz", **ELB_CHECK},
        },
        [],
        id="backend-service-internal",
    ),
    pytest.param(
        BACKEND,
        """
        http:
          path: api
          alias: api.example.internal
        """,
        "test",
        {
            "public": False,
            "path": "api",
            "alias": ["api.example.internal"],
            "healthCheck": ELB_CHECK,
        },
        [],
        id="backend-service-alias",
    ),
    pytest.param(
        BACKEND,
        """
        http:
          path: /
          private: true
        """,
        None,
        {"public": False, "path": "/", "healthCheck": ELB_CHECK},
        [
            (
                "http.private",
                "not a field of released Copilot's Backend Service manifest (v1.33 ignores it "
                "and routes from the environment's internal load balancer); kopilot places the "
                "rule with spec.http.public (true: the environment's public load balancer, "
                "false: its private one) and cannot place the service's load balancer "
                "otherwise",
            )
        ],
        id="backend-service-private-field",
    ),
]


@pytest.mark.parametrize(("kind", "body", "env", "http", "unmapped"), HTTP_CASES)
def test_service_http(
    kind: str, body: str, env: str | None, http: dict[str, Any] | None, unmapped: list[Any]
) -> None:
    text = f"name: web\ntype: {kind}\nimage:\n  location: nginx\n  port: 8080\n"
    spec, rows = service(text + _dedent(body), env)
    assert spec.get("http") == http
    assert [row for row in rows if row[0] != "sidecars"] == unmapped
    EcsServiceSpec.model_validate({**spec, "environment": "test"})


def environment(
    text: str, legacy: bool = False
) -> tuple[dict[str, Any], list[tuple[str, str]], list[str]]:
    doc = load_yaml(_dedent(text))
    ctx = EnvironmentContext("kudos", doc["name"], "us-east-1", legacy)
    file = f"copilot/environments/{doc['name']}/manifest.yml"
    mapping = map_environment(doc, ctx, file)
    EcsEnvironmentSpec.model_validate(mapping.spec)
    return mapping.spec, [(u.field, u.why) for u in mapping.unmapped], mapping.notes


def test_environment_with_an_imported_vpc_runs_tasks_in_its_private_subnets() -> None:
    spec, unmapped, notes = environment(
        """
        name: imported
        type: Environment
        network:
          vpc:
            id: 'vpc-12345'
            subnets:
              public:
                - id: 'subnet-11111'
                - id: 'subnet-22222'
              private:
                - id: 'subnet-33333'
                - id: 'subnet-44444'
        observability:
          container_insights: true
        """
    )
    assert spec == {
        "app": "kudos",
        "region": "us-east-1",
        "network": {"vpcId": "vpc-12345", "subnets": ["subnet-33333", "subnet-44444"]},
        "cluster": {"containerInsights": True},
    }
    assert unmapped == []
    [note] = notes
    assert note.startswith("Environment imported: its tasks run in the private subnets")


def test_environment_with_public_subnets_only_gives_tasks_a_public_ip() -> None:
    spec, unmapped, notes = environment(
        """
        name: test
        type: Environment
        network:
          vpc:
            id: vpc-0a1b
            subnets:
              public:
                - id: subnet-0a1b
        """,
        legacy=True,
    )
    assert spec == {
        "app": "kudos",
        "region": "us-east-1",
        "network": {"vpcId": "vpc-0a1b", "subnets": ["subnet-0a1b"], "assignPublicIp": True},
        "serviceDiscovery": {"legacyNamespace": True},
    }
    assert (unmapped, notes) == ([], [])


def test_environment_copilot_made_is_reported() -> None:
    spec, unmapped, notes = environment(
        """
        name: qa
        type: Environment
        network:
          vpc:
            cidr: '10.0.0.0/16'
            subnets:
              public:
                - cidr: '10.0.0.0/24'
                  az: 'us-east-2a'
            flow_logs: true
        http:
          public:
            certificates:
              - arn:aws:acm:us-east-1:123456789012:certificate/1324
        cdn: true
        """
    )
    assert spec == {
        "app": "kudos",
        "region": "us-east-1",
        "http": {
            "public": {"certificates": ["arn:aws:acm:us-east-1:123456789012:certificate/1324"]}
        },
    }
    assert unmapped == [
        (
            "network.vpc.cidr",
            "Copilot created this VPC and kopilot does not create VPCs: set spec.network "
            "(vpcId, subnets) to the VPC Copilot made",
        ),
        (
            "network.vpc.subnets",
            "subnets Copilot created (cidr, az): kopilot takes subnet ids; set "
            "spec.network.subnets",
        ),
        ("network.vpc.flow_logs", "VPC flow logs: kopilot does not manage the VPC"),
        ("cdn", "CloudFront: kopilot does not create a content delivery network"),
    ]
    [note] = notes
    assert note.startswith("Environment qa: copilot/environments/qa/manifest.yml imports no VPC")


ELB_LOGS_BUCKET = (
    "access logs to a bucket Copilot made (its environment stack's ELBAccessLogsBucket): "
    "kopilot writes to a bucket you name; set spec.http.public.accessLogs.bucket to that bucket"
)
CDN_ONLY = (
    "only CloudFront may connect (its managed prefix list): kopilot makes no CloudFront "
    "distribution, and allowedSourceCidrs takes CIDRs"
)
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/13245665-cv8f-adf3-j7gd-adf876af95"
PRIVATE_NOTE = "Environment test: Copilot's internal load balancer let in only the environment's"

ENV_HTTP_CASES = [
    pytest.param(
        f"""
        http:
          public:
            certificates: [{CERT}]
            ssl_policy: ELBSecurityPolicy-TLS13-1-2-2021-06
            access_logs:
              bucket_name: kudos-elb-logs
              prefix: test
            ingress:
              source_ips: [192.0.2.0/24, 198.51.100.10/32]
              cdn: false
        """,
        {
            "public": {
                "certificates": [CERT],
                "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
                "allowedSourceCidrs": ["192.0.2.0/24", "198.51.100.10/32"],
                "accessLogs": {"bucket": "kudos-elb-logs", "prefix": "test"},
            }
        },
        [],
        None,
        id="public-every-field",
    ),
    pytest.param(
        """
        http:
          public:
            access_logs: true
            ingress:
              cdn: true
            protocol: HTTPS
        """,
        {"public": {}},
        [
            ("http.public.access_logs", ELB_LOGS_BUCKET),
            ("http.public.ingress.cdn", CDN_ONLY),
            ("http.public.protocol", unknown("environment manifest's http.public")),
        ],
        None,
        id="public-reported",
    ),
    pytest.param(
        # Before Copilot v1.23: security_groups.ingress; a prefix in Copilot's own bucket.
        """
        http:
          public:
            access_logs:
              prefix: kudos
            security_groups:
              ingress:
                restrict_to:
                  cdn: true
        """,
        {"public": {}},
        [
            (
                "http.public.access_logs.prefix",
                "a prefix in the bucket Copilot made (no bucket_name): kopilot writes to a "
                "bucket you name; set spec.http.public.accessLogs (bucket, prefix)",
            ),
            ("http.public.security_groups.ingress.restrict_to.cdn", CDN_ONLY),
        ],
        None,
        id="public-deprecated-ingress",
    ),
    pytest.param(
        f"""
        http:
          private:
            certificates: [{CERT}]
            subnets: [subnet-0c3c3c3c3c3c3c3c3, subnet-0d4d4d4d4d4d4d4d4]
            ingress:
              vpc: true
            ssl_policy: ELBSecurityPolicy-TLS13-1-2-2021-06
        """,
        {
            "private": {
                "certificates": [CERT],
                "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
                "subnets": ["subnet-0c3c3c3c3c3c3c3c3", "subnet-0d4d4d4d4d4d4d4d4"],
            }
        },
        [],
        None,
        id="private-every-field",
    ),
    pytest.param(
        """
        http:
          private:
            security_groups:
              ingress:
                from_vpc: true
        """,
        {"private": {}},
        [],
        None,
        id="private-deprecated-from-vpc",
    ),
    pytest.param(
        # Without ingress.vpc Copilot lets in the services only; kopilot the VPC's CIDR.
        """
        http:
          private:
            access_logs: true
        """,
        {"private": {}},
        [("http.private.access_logs", unknown("environment manifest's http.private"))],
        PRIVATE_NOTE,
        id="private-without-vpc-ingress",
    ),
    pytest.param(
        """
        http:
          public:
            ssl_policy: ELBSecurityPolicy-TLS13-1-2-2021-06
          internal: {}
        """,
        {"public": {}},
        [
            ("http.internal", unknown("environment manifest's http")),
            (
                "http.public.ssl_policy",
                'kopilot\'s API refuses "ELBSecurityPolicy-TLS13-1-2-2021-06": sslPolicy '
                "applies to HTTPS: give certificates, or remove sslPolicy; it is left out",
            ),
        ],
        None,
        id="refused-by-the-api",
    ),
    pytest.param(
        # An imported VPC whose tasks run in the private subnets: Copilot's public load
        # balancer is in the public ones.
        """
        network:
          vpc:
            id: vpc-0a1b
            subnets:
              public: [{id: subnet-0a}, {id: subnet-0b}]
              private: [{id: subnet-0c}, {id: subnet-0d}]
        http:
          public: {}
        """,
        {"public": {"subnets": ["subnet-0a", "subnet-0b"]}},
        [],
        None,
        id="public-subnets",
    ),
]


@pytest.mark.parametrize(("body", "http", "unmapped", "note"), ENV_HTTP_CASES)
def test_environment_http(
    body: str, http: dict[str, Any], unmapped: list[Any], note: str | None
) -> None:
    spec, rows, notes = environment("name: test\ntype: Environment\n" + _dedent(body))
    assert spec["http"] == http
    assert rows == unmapped
    assert (
        any(n.startswith(note) for n in notes)
        if note
        else not any(n.startswith(PRIVATE_NOTE) for n in notes)
    )


def workspace_with(tmp_path: Path, manifests: dict[str, str]) -> Path:
    copilot = tmp_path / "copilot"
    for relative, text in {".workspace": "application: kudos\n", **manifests}.items():
        path = copilot / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_dedent(text))
    return tmp_path


def test_environments_get_the_load_balancers_their_services_route_from(tmp_path: Path) -> None:
    """Copilot makes an environment's load balancer for the services that need it: an
    environment manifest that says nothing of it gets Copilot's defaults, and one that
    configures a load balancer no service uses is noted."""
    root = workspace_with(
        tmp_path,
        {
            "environments/test/manifest.yml": """\
                name: test
                type: Environment
                network:
                  vpc:
                    id: vpc-0a1b
                    subnets:
                      public: [{id: subnet-0a}, {id: subnet-0b}]
                      private: [{id: subnet-0c}, {id: subnet-0d}]
                """,
            "environments/prod/manifest.yml": f"""\
                name: prod
                type: Environment
                http:
                  public:
                    certificates: [{CERT}]
                  private:
                    ingress:
                      vpc: true
                """,
            "web/manifest.yml": """\
                name: web
                type: Load Balanced Web Service
                image: {location: nginx, port: 80}
                http:
                  path: /
                  alias: web.example.com
                environments:
                  prod:
                    http: false
                    nlb: {port: 443/tls}
                """,
            "api/manifest.yml": """\
                name: api
                type: Backend Service
                image: {location: nginx, port: 8080}
                http:
                  path: /
                """,
        },
    )
    plan = plan_import(read_workspace(root), Options(region="us-east-1"))
    env = {e.name: e.spec for e in plan.environments}
    # test says nothing: the public one in the public subnets, the internal one as Copilot's.
    assert env["test"]["http"] == {
        "public": {"subnets": ["subnet-0a", "subnet-0b"]},
        "private": {},
    }
    # prod configures both; only api routes there (web says http: false).
    assert env["prod"]["http"] == {"public": {"certificates": [CERT]}, "private": {}}
    for spec in env.values():
        EcsEnvironmentSpec.model_validate(spec)
    api, web = plan.services
    assert api.patches["test"]["http"] == {"alias": ["api.test.kudos.internal"]}
    assert api.patches["prod"]["http"] == {"alias": ["api.prod.kudos.internal"]}
    assert web.patches["prod"]["http"] is None
    notes = "\n".join(plan.notes)
    for line in (
        "Environment test: web routes from its public load balancer, which Copilot made for "
        "it; copilot/environments/test/manifest.yml configures none, so spec.http.public is "
        "written as Copilot's defaults in the public subnets.",
        "Environment test: api routes from its internal load balancer",
        "Environment test: Copilot's internal load balancer let in only the environment's services",
        "Environment test: web routes by http.alias, but its public load balancer has no "
        "certificates",
        "Environment prod: copilot/environments/prod/manifest.yml configures a public load "
        "balancer, but no service of the workspace routes from it there",
        "Service api in test: Copilot's internal load balancer routed it by host "
        "api.test.kudos.internal",
        "Load balancers: kopilot makes its own in each environment",
    ):
        assert line in notes, line
    assert "Environment prod: Copilot's internal load balancer let in" not in notes
    for svc in plan.services:
        for patch in svc.patches.values():
            EcsServiceSpec.model_validate(merge_applied(svc.base, patch))


# -- how Copilot reads and merges manifests ------------------------------------------------


def test_yaml_scalars_stay_as_written() -> None:
    doc = load_yaml("a: yes\nb: 007\nc: 1.50\nd: ~\ne: 2024-01-01\nf: [on, 1]\n")
    assert doc == {
        "a": "yes",
        "b": "007",
        "c": "1.50",
        "d": None,
        "e": "2024-01-01",
        "f": ["on", "1"],
    }
    with pytest.raises(ManifestYAMLError, match="given twice"):
        load_yaml("name: a\nname: b\n")
    with pytest.raises(ManifestYAMLError):
        load_yaml("name: [a\n")
    with pytest.raises(ManifestYAMLError):
        load_yaml("!!python/object:os.system {}\n")


def test_typed_values_as_go_reads_them() -> None:
    assert [as_int(v) for v in ("8080", "+1", "0x10", "0o17", "1_000")] == [8080, 1, 16, 15, 1000]
    assert [as_bool(v) for v in ("true", "Yes", "on", "false", "No", "OFF")] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]
    assert [duration_seconds(v) for v in ("10s", "1m30s", "2h", "1500ms", "0")] == [
        10,
        90,
        7200,
        1,
        0,
    ]
    for bad, parse in (("1.5", as_int), ("maybe", as_bool), ("10", duration_seconds)):
        with pytest.raises(ValueKindError):
            parse(bad)  # type: ignore[operator]
    assert split_shell("""sh -c 'echo "hi there"' # comment""") == [
        "sh",
        "-c",
        'echo "hi there"',
    ]


def test_interpolation_reports_what_the_shell_gave() -> None:
    result = interpolate(
        {"a": "${COPILOT_APPLICATION_NAME}-${COPILOT_ENVIRONMENT_NAME}", "b": ["${X}", "${Y}z"]},
        "kudos",
        "test",
    )
    assert result.doc == {"a": "kudos-test", "b": ["${X}", "${Y}z"]}
    assert result.shell_variables == {"b.0": ["X"], "b.1": ["Y"]}


MERGES = [
    pytest.param(
        {"variables": {"A": "1", "B": "2"}},
        {"variables": {"B": "3", "C": "4"}},
        {"variables": {"A": "1", "B": "3", "C": "4"}},
        id="maps-merge",
    ),
    pytest.param(
        {"command": ["a", "b"]}, {"command": ["c"]}, {"command": ["c"]}, id="lists-replace"
    ),
    pytest.param({"count": 2}, {"count": None}, {"count": 2}, id="null-keeps"),
    pytest.param(
        {"count": {"range": "1-10", "cpu_percentage": "70"}},
        {"count": 3},
        {"count": 3},
        id="int-over-map",
    ),
    pytest.param(
        {"count": {"range": "1-10", "cpu_percentage": "70"}},
        {"count": {"spot": "2"}},
        {"count": {"spot": "2"}},
        id="spot-excludes-autoscaling",
    ),
    pytest.param(
        {"image": {"build": "Dockerfile", "port": "80"}},
        {"image": {"location": "nginx"}},
        {"image": {"location": "nginx", "port": "80"}},
        id="location-excludes-build",
    ),
    pytest.param(
        {"network": {"connect": {"alias": "api.local"}}},
        {"network": {"connect": "true"}},
        {"network": {"connect": "true"}},
        id="bool-over-map",
    ),
]


@pytest.mark.parametrize(("top", "override", "merged"), MERGES)
def test_environment_overrides_merge_as_copilot_merges_them(
    top: dict[str, Any], override: dict[str, Any], merged: dict[str, Any]
) -> None:
    assert merge_override(top, override) == merged


def test_merge_patch_and_touches() -> None:
    old = {"a": 1, "n": {"x": 1, "y": 2}, "l": [1, 2], "gone": True}
    new = {"a": 1, "n": {"x": 1, "y": 3, "z": 4}, "l": [3]}
    assert merge_patch(old, new) == {"n": {"y": 3, "z": 4}, "l": [3], "gone": None}
    override = {"count": {"range": "1-2"}, "variables": {"A": "1"}, "command": ["x"]}
    assert touches(override, "count.range")
    assert touches(override, "variables.A")
    assert touches(override, "command")
    assert not touches(override, "variables.B")
    assert not touches(override, "cpu")


# -- the sample workspace ------------------------------------------------------------------


def kudos_plan(**options: Any) -> Any:
    return plan_import(read_workspace(KUDOS), Options(region="us-east-1", **options))


def test_the_kudos_workspace_maps_to_these_specs() -> None:
    plan = kudos_plan()
    assert [e.name for e in plan.environments] == ["prod", "test"]
    env = {e.name: (e.namespace, e.spec) for e in plan.environments}
    assert env["test"] == (
        "kudos-test",
        {
            "app": "kudos",
            "region": "us-east-1",
            "network": {
                "vpcId": "vpc-0a1b2c3d4e5f67890",
                "subnets": ["subnet-0c3c3c3c3c3c3c3c3", "subnet-0d4d4d4d4d4d4d4d4"],
            },
            "cluster": {"containerInsights": False},
            # front-end routes from the public load balancer Copilot made for it: the
            # manifest says nothing of it, so Copilot's defaults, in the public subnets.
            "http": {
                "public": {"subnets": ["subnet-0a1a1a1a1a1a1a1a1", "subnet-0b2b2b2b2b2b2b2b2"]}
            },
        },
    )
    assert env["prod"][1]["cluster"] == {"containerInsights": True}
    assert env["prod"][1]["http"] == {
        "public": {
            "certificates": [
                "arn:aws:acm:us-east-1:123456789012:certificate/13245665-cv8f-adf3-j7gd-adf876af95"
            ]
        }
    }
    services = {s.name: s for s in plan.services}
    assert list(services) == ["api", "front-end", "worker"]
    api = services["api"]
    assert api.base == {
        "app": "kudos",
        "image": "public.ecr.aws/nginx/nginx:1.27",
        "port": 8080,
        "portName": "target",
        "protocol": "tcp",
        "cpu": 256,
        "memory": 512,
        "count": 2,
        "variables": {"LOG_LEVEL": "info", "DB_NAME": "kudos", "BUILD": "007"},
        "secrets": {
            "DB_PASSWORD": "arn:aws:ssm:us-east-1:123456789012:parameter/kudos/db-password"
        },
        "healthCheck": {
            "command": ["CMD-SHELL", "curl -f http://localhost:8080/healthz || exit 1"],
            "interval": 15,
            "retries": 3,
        },
        "exec": True,
        "network": {
            "connect": {
                "alias": "${COPILOT_SERVICE_NAME}.${COPILOT_ENVIRONMENT_NAME}"
                ".${COPILOT_APPLICATION_NAME}.local",
                "logs": {"streamPrefix": "copilot"},
            }
        },
    }
    # A map override merges (LOG_LEVEL only); prod's count range becomes autoscaling, and
    # its patch drops the base's fixed count (null removes it).
    assert api.patches == {
        "prod": {
            "environment": "prod",
            "variables": {"LOG_LEVEL": "warn"},
            "autoscaling": {"min": 2, "max": 10, "cpuPercentage": 70},
            "count": None,
        },
        "test": {"environment": "test"},
    }
    front = services["front-end"]
    assert front.base == {
        "app": "kudos",
        "image": "<set-me>",
        "port": 80,
        "portName": "target",
        "protocol": "tcp",
        "cpu": 512,
        "memory": 1024,
        "count": 1,
        "command": ["nginx", "-g", "daemon off;"],
        "entryPoint": ["/docker-entrypoint.sh"],
        "variables": {"API_URL": "http://api.${COPILOT_ENVIRONMENT_NAME}.kudos.local:8080"},
        "sidecars": [
            {
                "name": "nginx-exporter",
                "image": "public.ecr.aws/nginx/nginx-prometheus-exporter:1.3",
                "port": 9113,
            }
        ],
        # The target group's check: the path given, ELB's defaults Copilot leaves.
        "http": {
            "path": "/",
            "healthCheck": {"path": "/healthz", "healthyThreshold": 5, "interval": 30},
            "deregistrationDelay": 30,
            "stickiness": True,
        },
        "network": {"connect": {"enabled": True, "logs": {"streamPrefix": "copilot"}}},
        "deployment": {"minHealthyPercent": 0, "maxPercent": 100},
    }
    # A list override replaces the list; `rolling: default` removes the recreate settings;
    # the health check map replaces the string (its path is the same).
    assert front.patches == {
        "prod": {
            "environment": "prod",
            "cpu": 1024,
            "memory": 2048,
            "command": ["nginx", "-g", "daemon off;", "-e", "stderr"],
            "variables": {"API_URL": "http://api.prod.kudos.local:8080"},
            "http": {
                "alias": ["kudos.example.com"],
                "healthCheck": {
                    "healthyThreshold": 3,
                    "interval": 15,
                    "timeout": 10,
                    "gracePeriod": 120,
                },
            },
            "deployment": None,
        },
        "test": {
            "environment": "test",
            "variables": {"API_URL": "http://api.test.kudos.local:8080"},
        },
    }
    worker = services["worker"]
    assert worker.base == {
        "app": "kudos",
        "image": "public.ecr.aws/docker/library/busybox:1.36",
        "count": 1,
        "platform": "linux/arm64",
        "command": ["while true; do sleep 3600; done"],
        "entryPoint": ["/bin/sh", "-c"],
    }
    # memory 3000 is no Fargate size for 256 CPU units: refused, so test runs the default.
    assert worker.patches == {"prod": {"environment": "prod"}, "test": {"environment": "test"}}
    for svc in plan.services:
        for env_name, patch in svc.patches.items():
            EcsServiceSpec.model_validate(merge_applied(svc.base, patch))
            assert patch["environment"] == env_name


def merge_applied(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_applied(out[key], value)
        else:
            out[key] = value
    return out


def test_the_kudos_workspace_reports_exactly_this_as_not_mapped() -> None:
    plan = kudos_plan()
    assert [(u.file, u.field) for u in plan.unmapped] == [
        ("copilot/api/manifest.yml", "secrets.GITHUB_TOKEN"),
        ("copilot/front-end/manifest.yml", "image.build"),
        ("copilot/front-end/manifest.yml", "environments.prod.http.alias[0].hosted_zone"),
        ("copilot/worker/manifest.yml", "subscribe"),
        ("copilot/worker/manifest.yml", "logging.retention"),
        ("copilot/worker/manifest.yml", "colour"),
        ("copilot/worker/manifest.yml", "environments.test.memory"),
        ("copilot/digest/manifest.yml", "type"),
    ]
    why = {(u.file, u.field): u.why for u in plan.unmapped}
    assert why[("copilot/worker/manifest.yml", "environments.test.memory")] == (
        f"kopilot's API refuses cpu 256 with memory 3000: {FARGATE}; it is left out, so "
        "kopilot's default applies"
    )
    assert (
        why[("copilot/front-end/manifest.yml", "environments.prod.http.alias[0].hosted_zone")]
        == ROUTE53
    )
    assert why[("copilot/digest/manifest.yml", "type")].startswith(
        "an ECS task on a schedule (Step Functions, EventBridge): kopilot runs long-running"
    )
    assert all(isinstance(u, Unmapped) for u in plan.unmapped)


def test_the_kudos_workspace_notes_what_files_cannot_tell() -> None:
    plan = kudos_plan(legacy_namespace=frozenset({"prod"}))
    notes = "\n".join(plan.notes)
    assert "Region us-east-1 for every environment" in notes
    assert "test.kudos.local (Copilot v1.9 and later); kudos.local for prod" in notes
    assert "--legacy-namespace ENV[,ENV]" in notes
    assert "executionRoleArn" in notes
    # api's exec: true is spec.exec; its task role needs what Copilot's had.
    assert "ECS Exec: api has exec on (spec.exec)" in notes
    assert "ssmmessages:CreateControlChannel" in notes
    assert "Environment test: its tasks run in the private subnets" in notes
    assert (
        "Environment test: front-end routes from its public load balancer, which Copilot made "
        "for it; copilot/environments/test/manifest.yml configures none, so spec.http.public "
        "is written as Copilot's defaults in the public subnets." in notes
    )
    # prod imports private subnets only: its public load balancer needs public ones.
    assert "Environment prod: its public load balancer goes in spec.network.subnets" in notes
    assert "Copilot's keeps serving until DNS moves" in notes
    assert next(e for e in plan.environments if e.name == "prod").spec["serviceDiscovery"] == {
        "legacyNamespace": True
    }


def test_the_layout_is_a_base_and_one_overlay_per_environment() -> None:
    files = layout_files(kudos_plan())
    assert sorted(files) == [
        "README.md",
        "base/app.yaml",
        "base/kustomization.yaml",
        "base/services/api.yaml",
        "base/services/front-end.yaml",
        "base/services/worker.yaml",
        *[
            f"overlays/{env}/{name}"
            for env in ("prod", "test")
            for name in (
                "environment.yaml",
                "kustomization.yaml",
                "namespace.yaml",
                "services/api.yaml",
                "services/front-end.yaml",
                "services/worker.yaml",
            )
        ],
    ]
    assert load_yaml(files["overlays/test/kustomization.yaml"]) == {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": "kudos-test",
        "resources": ["../../base", "namespace.yaml", "environment.yaml"],
        "patches": [
            {"path": "services/api.yaml"},
            {"path": "services/front-end.yaml"},
            {"path": "services/worker.yaml"},
        ],
    }
    readme = files["README.md"]
    assert "kubectl apply -k overlays/prod" in readme
    assert "| copilot/front-end/manifest.yml | `image.build` |" in readme
    assert "NamespaceNotOwned" in readme


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda root: (root / "copilot" / ".workspace").unlink(), "no Copilot workspace"),
        (
            lambda root: (root / "copilot" / "api" / "manifest.yml").write_text("name: [api\n"),
            "copilot/api/manifest.yml: not valid YAML",
        ),
        (
            lambda root: (root / "copilot" / "api" / "manifest.yml").write_text(
                "name: api\ntype: Backend Servce\n"
            ),
            "copilot/api/manifest.yml: unknown type 'Backend Servce'",
        ),
    ],
)
def test_invalid_workspaces_are_refused(tmp_path: Path, change: Any, message: str) -> None:
    import shutil

    root = tmp_path / "kudos"
    shutil.copytree(KUDOS, root)
    change(root)
    with pytest.raises(WorkspaceError, match=message):
        read_workspace(root)


def test_overrides_for_an_environment_without_a_manifest_are_reported(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "kudos"
    shutil.copytree(KUDOS, root)
    manifest = root / "copilot" / "api" / "manifest.yml"
    manifest.write_text(manifest.read_text() + "  staging:\n    count: 5\n")
    plan = plan_import(read_workspace(root), Options(region="us-east-1"))
    [row] = [u for u in plan.unmapped if u.field == "environments.staging"]
    assert row.why.startswith("no environment manifest copilot/environments/staging/manifest.yml")
    with pytest.raises(WorkspaceError, match="--legacy-namespace names staging"):
        plan_import(read_workspace(root), Options("us-east-1", frozenset({"staging"})))


def test_overrides_of_another_shape_become_merge_patches(tmp_path: Path) -> None:
    copilot = tmp_path / "copilot"
    (copilot / "environments" / "test").mkdir(parents=True)
    (copilot / "web").mkdir()
    (copilot / ".workspace").write_text("application: shop\n")
    (copilot / "environments" / "test" / "manifest.yml").write_text(
        "name: test\ntype: Environment\n"
    )
    (copilot / "web" / "manifest.yml").write_text(
        _dedent(
            """\
            name: web
            type: Load Balanced Web Service
            image:
              build: Dockerfile
              port: 80
            http:
              path: /
            network:
              connect:
                alias: shop.local
            environments:
              test:
                image:
                  location: nginx:${TAG}
                http:
                  alias: test.example.com
                network:
                  connect: true
            """
        )
    )
    plan = plan_import(read_workspace(tmp_path), Options(region="eu-west-1"))
    [web] = plan.services
    assert web.base["image"] == "<set-me>"
    assert web.base["http"] == {"path": "/", "healthCheck": ELB_CHECK}
    assert web.patches["test"] == {
        "environment": "test",
        "image": "nginx:${TAG}",
        "http": {"alias": ["test.example.com"]},
        "network": {"connect": {"alias": None, "enabled": True}},
    }
    assert [(u.field, u.why.split(":")[0]) for u in plan.unmapped] == [
        ("image.build", "kopilot does not build images"),
        (
            "environments.test.image.location",
            "uses ${TAG}, which Copilot took from the shell that deployed it",
        ),
    ]
    assert plan.mapped["copilot/web/manifest.yml"] == [
        "name",
        "type",
        "image.port",
        "http",
        "http.path",
        "network.connect.alias",
        "environments.test.http",
        "environments.test.http.alias",
        "environments.test.network.connect",
    ]
    [env] = plan.environments
    assert env.spec == {"app": "shop", "region": "eu-west-1", "http": {"public": {}}}
    assert any(
        n.startswith("Environment test: copilot/environments/test/manifest.yml") for n in plan.notes
    )


def test_an_environment_turning_service_connect_off_leaves_none_of_it(tmp_path: Path) -> None:
    """Copilot's port name and proxy logs come with Service Connect: an environment that
    turns it off removes them too (no `logs` left under `enabled: false`), and one that turns
    it on gets them."""
    copilot = tmp_path / "copilot"
    for env in ("test", "prod"):
        (copilot / "environments" / env).mkdir(parents=True)
        (copilot / "environments" / env / "manifest.yml").write_text(
            f"name: {env}\ntype: Environment\n"
        )
    (copilot / "api").mkdir()
    (copilot / "worker").mkdir()
    (copilot / ".workspace").write_text("application: kudos\n")
    (copilot / "api" / "manifest.yml").write_text(
        _dedent(
            """\
            name: api
            type: Backend Service
            image:
              location: nginx:1
              port: 8080
            network:
              connect:
                alias: api.local
            environments:
              test:
                network:
                  connect: false
            """
        )
    )
    (copilot / "worker" / "manifest.yml").write_text(
        _dedent(
            """\
            name: worker
            type: Worker Service
            image:
              location: busybox:1
            environments:
              prod:
                network:
                  connect: true
            """
        )
    )
    plan = plan_import(read_workspace(tmp_path), Options(region="us-east-1"))
    api, worker = plan.services
    assert api.base["portName"] == "target"
    assert api.base["network"] == {
        "connect": {"alias": "api.local", "logs": {"streamPrefix": "copilot"}}
    }
    assert api.patches["test"] == {
        "environment": "test",
        "portName": None,
        "network": {"connect": {"enabled": False, "alias": None, "logs": None}},
    }
    off = merge_applied(api.base, api.patches["test"])
    assert "portName" not in off
    assert off["network"] == {"connect": {"enabled": False}}
    assert api.patches["prod"] == {"environment": "prod"}
    # A client only: the proxy's logs, no port name.
    assert "network" not in worker.base
    assert worker.patches["prod"] == {
        "environment": "prod",
        "network": {"connect": {"enabled": True, "logs": {"streamPrefix": "copilot"}}},
    }
    for svc in plan.services:
        for patch in svc.patches.values():
            EcsServiceSpec.model_validate(merge_applied(svc.base, patch))
