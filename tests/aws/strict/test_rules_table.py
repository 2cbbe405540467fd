"""Every strict rule names an AWS page and a test that exists; the docs list them all."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from controller.sandbox.aws.strict import RULES
from controller.sandbox.aws.strict.docs import PAGE, with_rules_table

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_each_rule_cites_aws_and_names_its_test(rule: object) -> None:
    from controller.sandbox.aws.strict import Rule

    assert isinstance(rule, Rule)
    assert rule.source.startswith("https://docs.aws.amazon.com/"), rule.source
    path, _, name = rule.test.partition("::")
    assert path.startswith("tests/aws/strict/"), rule.test
    assert name.startswith("test_"), rule.test
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    assert callable(getattr(module, name, None)), f"{rule.id}: {rule.test} does not exist"
    assert all(":" in op for op in rule.operations), rule.operations


def test_rule_ids_are_unique() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))


def test_the_docs_table_lists_every_rule() -> None:
    page = (ROOT / PAGE).read_text()
    assert page == with_rules_table(page), (
        f"{PAGE} is stale: run `kopilot aws rules --write` and commit the result"
    )
