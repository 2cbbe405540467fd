"""Copilot's naming rules and kopilot's ownership tags."""

from __future__ import annotations

from controller.naming import Names, Owner, client_token, owner_of, resource_tags


def test_names_follow_copilot() -> None:
    names = Names(app="kudos", env="test", svc="api")
    assert names.cluster == "kudos-test"
    assert names.namespace() == "test.kudos.local"
    assert names.namespace(legacy=True) == "kudos.local"
    assert names.family == "kudos-test-api"
    assert names.discovery_name == "api-sc"
    assert names.log_group == "/copilot/kudos-test-api"
    assert names.variables("test.kudos.local") == {
        "COPILOT_APPLICATION_NAME": "kudos",
        "COPILOT_ENVIRONMENT_NAME": "test",
        "COPILOT_SERVICE_NAME": "api",
        "COPILOT_SERVICE_DISCOVERY_ENDPOINT": "test.kudos.local",
    }


def test_alias_interpolation_keeps_the_service_discovery_name() -> None:
    names = Names(app="kudos", env="test", svc="api")
    upgrade = (
        "${COPILOT_SERVICE_NAME}.${COPILOT_ENVIRONMENT_NAME}.${COPILOT_APPLICATION_NAME}.local"
    )
    assert names.interpolate(upgrade) == "api.test.kudos.local"
    assert names.interpolate("frontend.local") == "frontend.local"
    assert names.interpolate("${COPILOT_SERVICE_NAME}-v2.internal") == "api-v2.internal"


def test_ownership_tags_win_over_user_tags() -> None:
    owner = Owner("EcsService", "apps", "api", "uid-1")
    names = Names(app="kudos", env="test", svc="api")
    tags = resource_tags(
        owner, names, {"team": "a", "kopilot.dev/owner-uid": "forged"}, {"team": "b"}
    )
    assert tags["team"] == "b"  # the more specific layer wins
    assert tags["kopilot.dev/owner-uid"] == "uid-1"
    assert tags["copilot-service"] == "api"
    assert owner.owns(tags)
    assert not Owner("EcsService", "apps", "api", "uid-2").owns(tags)
    assert owner_of(tags) == "EcsService apps/api"
    assert owner_of({"team": "a"}) is None


def test_client_tokens_are_stable_short_and_distinct() -> None:
    token = client_token("uid-1", "create")
    assert token == client_token("uid-1", "create")
    assert len(token) <= 36
    assert token.isascii()
    assert token != client_token("uid-2", "create")
