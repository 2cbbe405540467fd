"""crds/ and docs/api.md are exactly what the models generate; the samples round-trip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from controller.api import KINDS, api_markdown, crd_filename, crd_yaml
from controller.api.schema import structural_schema, walk

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted((ROOT / "deploy" / "samples").glob("*.yaml"))
SPEC_MODELS = {kind.kind: kind.spec for kind in KINDS}

REGENERATE = "run `kopilot crds --write` and commit the result"


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.kind)
def test_crd_files_match_the_models(kind: Any) -> None:
    path = ROOT / "crds" / crd_filename(kind)
    assert path.read_text() == crd_yaml(kind), f"{path} is stale: {REGENERATE}"


def test_the_helm_charts_crds_are_the_generated_files() -> None:
    """Helm installs CRDs only from the chart's own crds/: the same files, written by the
    same command."""
    from controller.api.crd import ALL_KINDS

    chart_crds = ROOT / "deploy" / "helm" / "kopilot" / "crds"
    expected = {crd_filename(kind): crd_yaml(kind) for kind in ALL_KINDS}
    found = {path.name: path.read_text() for path in chart_crds.iterdir()}
    assert found == expected, f"{chart_crds} is stale: {REGENERATE}"


def test_crds_kustomization_lists_every_crd() -> None:
    from controller.api.crd import kustomization_yaml

    path = ROOT / "crds" / "Kustomization"
    assert path.read_text() == kustomization_yaml(), f"{path} is stale: {REGENERATE}"


def test_api_reference_matches_the_models() -> None:
    path = ROOT / "docs" / "api.md"
    assert path.read_text() == api_markdown(), f"{path} is stale: {REGENERATE}"


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.kind)
def test_every_field_has_a_description(kind: Any) -> None:
    for model in (kind.spec, kind.status):
        missing = [
            path for path, node in walk(structural_schema(model)) if not node.get("description")
        ]
        assert missing == [], f"{model.__name__} fields without a description: {missing}"


def _documents() -> list[tuple[str, dict[str, Any]]]:
    docs = []
    for path in SAMPLES:
        for doc in yaml.safe_load_all(path.read_text()):
            docs.append((f"{path.name}:{doc['kind']}/{doc['metadata']['name']}", doc))
    return docs


def test_there_are_samples_for_the_kudos_app_and_the_upgrade_path() -> None:
    names = {path.name for path in SAMPLES}
    assert {"kudos.yaml", "upgrade-to-service-connect.yaml"} <= names


@pytest.mark.parametrize(("where", "doc"), _documents(), ids=[w for w, _ in _documents()])
def test_samples_round_trip_through_the_models_without_loss(
    where: str, doc: dict[str, Any]
) -> None:
    spec = doc.get("spec", {})
    model = SPEC_MODELS[doc["kind"]].model_validate(spec)
    assert model.model_dump(by_alias=True, exclude_unset=True, mode="json") == spec
    # And the fully defaulted form parses back to the same model.
    again = SPEC_MODELS[doc["kind"]].model_validate(model.to_wire())
    assert again == model
