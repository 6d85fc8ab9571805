"""Dataset equality: content, not where it was read from."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

import briefgen

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "fixtures" / "seed-reports.yaml"
DATA: dict[str, Any] = yaml.safe_load(SEEDS.read_text("utf-8"))
NEW_INDICATOR = {"vi": "Điểm", "en": "Points", "kind": "count", "unit": "dich_vu"}


def _changed(change: Any) -> briefgen.Dataset:
    data = copy.deepcopy(DATA)
    change(data)
    return briefgen.load(data)


def test_the_same_content_read_from_different_places_is_equal(tmp_path: Path) -> None:
    original = briefgen.load(SEEDS)
    assert original == briefgen.load(SEEDS)
    for target in ("a.yaml", "a.json", "a.xlsx", "folder"):
        again = briefgen.load(briefgen.export(original, tmp_path / target))
        assert again == original and again.source != original.source
    assert briefgen.load(DATA) == original  # from Python: no file, no digest
    (tmp_path / "spelt.yaml").write_text(
        SEEDS.read_text("utf-8").replace("province: Thanh Hoá", "province: '38'"), "utf-8"
    )
    assert briefgen.load(tmp_path / "spelt.yaml") != original  # the record says "38" now


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["records"][0]["highlights"].append("Một điểm nổi bật nữa"),
        lambda d: d.update(title="Another title"),
        lambda d: d["records"].reverse(),  # records keep their order
        lambda d: d.update(indicators={"x": NEW_INDICATOR}),
        lambda d: d.update(denominators={"dti": {2022: 62}}),
    ],
    ids=["a record", "the title", "the order", "an indicator", "a denominator"],
)
def test_datasets_differing_in_content_are_not_equal(change: Any) -> None:
    assert _changed(change) != briefgen.load(DATA)


def test_a_denominator_declared_as_the_rule_changes_nothing() -> None:
    same = _changed(lambda d: d.update(denominators={"dti": {2022: 63}}))
    assert same == briefgen.load(DATA)
    assert same.other_denominators() == {}


def test_a_dataset_is_not_equal_to_other_things_and_not_hashable() -> None:
    dataset = briefgen.load(DATA)
    assert dataset != DATA and dataset != dataset.records
    with pytest.raises(TypeError):
        hash(dataset)
