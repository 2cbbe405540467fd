# kopilot's operator image: `kopilot run` as a non-root user on a slim Python base.
#
#   docker build -t kopilot:0.1.0 .
#
# The base is pinned by tag. Pin it by digest as well where you build
# (FROM python:3.11-slim-bookworm@sha256:<digest>): the digest could not be looked up
# where this file was written, and a made-up one would only break the build.

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
# Only what the package needs: its metadata and its code (see also .dockerignore).
COPY pyproject.toml README.md ./
COPY controller ./controller
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
LABEL org.opencontainers.image.title="kopilot" \
      org.opencontainers.image.description="Kubernetes operator for AWS Copilot's model of apps, environments and connected services on Amazon ECS" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOME=/tmp
COPY --from=build /wheels /wheels
# The runtime dependencies only (kopf, boto3, pydantic, kubernetes, PyYAML): no extras.
RUN pip install --no-cache-dir /wheels/*.whl \
    && rm -rf /wheels \
    && groupadd --system --gid 10001 kopilot \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin kopilot
# Numeric, so `runAsNonRoot` can verify it without reading /etc/passwd.
USER 10001:10001
EXPOSE 8080 9090
ENTRYPOINT ["kopilot"]
CMD ["run", "--health", "0.0.0.0:8080", "--log-format", "json", "--tenancy", "policies", "--leader-elect", "--metrics", "0.0.0.0:9090"]
