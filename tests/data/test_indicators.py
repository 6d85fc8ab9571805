"""The indicator catalogue: which indicators are rates, how each combines across a merger."""

from __future__ import annotations

from pathlib import Path

import pytest

import briefgen
from briefgen.data.indicators import builtin
from briefgen.errors import DataError, Location

WHERE = Location(file="data.yaml")


@pytest.mark.parametrize(
    ("indicator", "merge"),
    [
        # revenues, budget contributions, subscribers and copies add up
        ("sector_revenue", "sum"),
        ("budget_contribution", "sum"),
        ("telecom_revenue", "sum"),
        ("postal_revenue", "sum"),
        ("phone_subscribers", "sum"),
        ("broadband_subscribers", "sum"),
        ("press_copies", "sum"),
        # rates are population-weighted
        ("online_filing_rate", "weighted"),
        ("online_filing_rate_l4", "weighted"),
        ("online_services_l4_share", "weighted"),
        # each province offers much the same services; ranks and positions never combine
        ("online_services_full", "none"),
        ("online_services_partial", "none"),
        ("online_services_l3", "none"),
        ("national_portal_services", "none"),
        ("dti", "none"),
        ("ict_index", "none"),
        ("web_portal", "none"),
        ("broadcast_hours", "none"),
    ],
)
def test_the_catalogue_says_how_each_indicator_combines_across_a_merger(
    indicator: str, merge: str
) -> None:
    assert builtin()[indicator].merge == merge
    assert builtin()[indicator].additive == (merge == "sum")


def test_every_percentage_is_a_rate_and_nothing_else_is() -> None:
    rates = {i.id for i in builtin().values() if i.is_rate}
    assert rates == {i.id for i in builtin().values() if i.unit.id == "percent"}
    assert "online_filing_rate" in rates and "sector_revenue" not in rates


@pytest.mark.parametrize(
    ("indicator", "vi", "en"),
    [
        ("phone_subscribers", "Mật độ thuê bao điện thoại", "Phone subscriber density"),
        ("broadband_subscribers", "Mật độ thuê bao băng rộng", "Broadband subscriber density"),
        ("internet_subscribers", "Mật độ thuê bao Internet", "Internet subscriber density"),
        (
            "fixed_broadband_subscribers",
            "Mật độ thuê bao băng rộng cố định",
            "Fixed broadband subscriber density",
        ),
    ],
)
def test_density_labels_read_as_vietnamese_and_english(indicator: str, vi: str, en: str) -> None:
    assert builtin()[indicator].density_label("vi") == vi
    assert builtin()[indicator].density_label("en") == en


@pytest.mark.parametrize(
    ("spec", "merge"),
    [
        ({"kind": "count"}, "sum"),
        ({"kind": "money"}, "sum"),
        ({"kind": "percent"}, "weighted"),
        ({"kind": "density"}, "weighted"),
        ({"kind": "duration"}, "none"),
        ({"kind": "count", "merge": "none"}, "none"),
        # the older flag keeps its meaning
        ({"kind": "count", "additive": True}, "sum"),
        ({"kind": "count", "additive": False}, "none"),
        ({"kind": "percent", "additive": False}, "weighted"),
        ({"kind": "count", "additive": True, "merge": "sum"}, "sum"),
    ],
)
def test_a_declared_indicator_merges_by_its_kind_unless_it_says_otherwise(
    spec: dict[str, object], merge: str
) -> None:
    unit = "percent" if spec["kind"] == "percent" else "dich_vu"
    declared = {"vi": "Chỉ tiêu", "en": "Indicator", "unit": unit, **spec}
    catalogue = builtin().extended({"mine": declared}, WHERE)
    assert catalogue["mine"].merge == merge


@pytest.mark.parametrize(
    ("spec", "message", "field"),
    [
        ({"merge": "average"}, "unknown merge rule 'average'", "indicators.mine.merge"),
        (
            {"additive": True, "merge": "none"},
            "'additive: true' contradicts 'merge: none'",
            "indicators.mine.additive",
        ),
        (
            {"additive": "yes please"},
            "'additive' must be true or false",
            "indicators.mine.additive",
        ),
    ],
)
def test_a_bad_merge_rule_is_an_error_naming_the_field(
    spec: dict[str, object], message: str, field: str
) -> None:
    declared = {"vi": "Chỉ tiêu", "en": "Indicator", "unit": "dich_vu", "kind": "count", **spec}
    with pytest.raises(DataError) as caught:
        builtin().extended({"mine": declared}, WHERE)
    assert message in str(caught.value)
    assert caught.value.where is not None and caught.value.where.field == field
    assert "data.yaml" in str(caught.value)


def test_a_data_file_can_declare_how_its_indicator_merges(tmp_path: Path) -> None:
    path = tmp_path / "data.yaml"
    path.write_text(
        "indicators:\n"
        "  smart_cameras:\n"
        "    vi: Camera giám sát thông minh\n"
        "    en: Smart surveillance cameras\n"
        "    kind: count\n"
        "    unit: dich_vu\n"
        "    merge: none\n"
        "records:\n"
        "  - province: Nam Định\n"
        "    year: 2021\n"
        "    observations: {smart_cameras: {value: 120}}\n",
        "utf-8",
    )
    assert briefgen.load(path).catalogue["smart_cameras"].merge == "none"
