"""The stages wired together: schemas read only when they may differ, the same result either way."""

from __future__ import annotations

from pathlib import Path

import pytest

from driftcheck import normalize, pipeline, synth
from driftcheck.compare import Change, compare
from driftcheck.extract import server_configuration
from driftcheck.normalize import DeferredSchema, canonicalize, differing_schemas
from driftcheck.pipeline import compare_exports, load_side
from driftcheck.read import read_export
from driftcheck.report import object_tree

from .conftest import AD_ATTRIBUTES, SAMPLES, ad_schema, write_export_with_schema

EXTENDED = (*AD_ATTRIBUTES, ("contoso-costCenter", "1.3.6.1.4.1.1466.115.121.1.15", True))


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Take the parallel path even on a one-core machine."""
    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: 2)


def eager_changes(primary: Path, staging: Path) -> tuple[Change, ...]:
    """Every schema read in full, in this process: what driftcheck did before deferring."""
    p, s = (canonicalize(server_configuration(read_export(x))) for x in (primary, staging))
    return compare(p, s).changes


def deferred_changes(primary: Path, staging: Path) -> tuple[Change, ...]:
    """Schemas deferred and read by compare as it meets them (the one-core path)."""
    return compare(load_side(primary), load_side(staging)).changes


def parallel_changes(primary: Path, staging: Path) -> tuple[Change, ...]:
    """Schemas deferred and the differing ones read in two processes (the usual path)."""
    return compare(*pipeline.load_both(primary, staging)).changes


def schema_changes(changes: tuple[Change, ...]) -> set[tuple[str, str, str]]:
    return {
        (c.path, c.change, str(c.staging or c.primary))
        for c in changes
        if c.path.startswith("schema")
    }


def test_equal_schemas_are_never_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    primary = write_export_with_schema(tmp_path / "p", ad_schema())
    staging = write_export_with_schema(tmp_path / "s", ad_schema())

    def refuse(*_: object) -> None:
        raise AssertionError("an equal schema was read")

    monkeypatch.setattr(normalize, "read_schema", refuse)
    p, s = load_side(primary), load_side(staging)
    assert differing_schemas(p, s) == []
    assert compare(p, s).changes == ()


@pytest.mark.parametrize(
    "rewritten", [ad_schema(first_id=7), ad_schema(reverse=True)], ids=["renumbered", "reordered"]
)
def test_same_schema_written_differently_is_read_and_found_equal(
    tmp_path: Path, rewritten: str, two_cores: None
) -> None:
    primary = write_export_with_schema(tmp_path / "p", ad_schema())
    staging = write_export_with_schema(tmp_path / "s", rewritten)
    assert len(differing_schemas(load_side(primary), load_side(staging))) == 1
    assert differing_schemas(*pipeline.load_both(primary, staging)) == []  # both read already
    assert deferred_changes(primary, staging) == ()
    assert parallel_changes(primary, staging) == ()


def test_schema_drift_is_reported_the_same_on_every_path(tmp_path: Path, two_cores: None) -> None:
    primary = write_export_with_schema(tmp_path / "p", ad_schema())
    staging = write_export_with_schema(tmp_path / "s", ad_schema(EXTENDED, reverse=True))
    expected = {
        ("schema/attributes/contoso-costCenter", "added", "1.3.6.1.4.1.1466.115.121.1.15, single-valued"),
        ("schema/object-classes/user/attributes", "added", "contoso-costCenter"),
    }  # fmt: skip
    eager = eager_changes(primary, staging)
    assert schema_changes(eager) == expected
    assert deferred_changes(primary, staging) == eager
    assert parallel_changes(primary, staging) == eager


def test_samples_compare_the_same_deferred_or_not(two_cores: None) -> None:
    primary, staging = SAMPLES / "primary", SAMPLES / "staging"
    eager = eager_changes(primary, staging)
    assert eager  # the samples carry drift
    assert deferred_changes(primary, staging) == eager
    assert parallel_changes(primary, staging) == eager


def test_name_map_reads_every_schema_while_loading(
    tmp_path: Path, two_cores: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    primary = write_export_with_schema(tmp_path / "p", ad_schema())
    staging = write_export_with_schema(tmp_path / "s", ad_schema(EXTENDED))

    def refuse(*_: object) -> None:
        raise AssertionError("a schema was deferred, then read")

    with monkeypatch.context() as patched:
        patched.setattr(normalize, "read_schema", refuse)
        loaded = pipeline.load_both(primary, staging, {"contoso-dev.com": "contoso.com"})
    for side in loaded:
        assert isinstance(side.objects["connector"]["contoso.com"].fields["schema"], dict)
    report = compare_exports(
        primary, staging, name_map={"contoso-dev.com": "contoso.com"}
    ).to_json()
    paths = {(d["object"], d["path"]) for d in report["differences"]}
    assert ("contoso.com", "schema/attributes/contoso-costCenter") in paths


def test_generated_estate_reports_exactly_the_planted_drift(
    tmp_path: Path, two_cores: None
) -> None:
    kinds = len(synth.DRIFT_KINDS)
    summary = synth.write_pair(tmp_path, 2, 8, drift=kinds, seed=11)
    assert {p.kind for p in summary.planted} == set(synth.DRIFT_KINDS)
    report = compare_exports(tmp_path / "primary", tmp_path / "staging").to_json()
    planted = {(p.section, p.object) for p in summary.planted}
    # a metaverse attribute added is reported on its class and in the attribute definitions
    planted.add(("metaverse", "(attribute definitions)"))
    reported = {(d["section"], d["object"]) for d in report["differences"]}
    assert reported == planted
    schema_drift = next(p for p in summary.planted if p.kind == "connector-schema-attribute")
    assert any(
        d["object"] == schema_drift.object and d["path"].startswith("schema/attributes/")
        for d in report["differences"]
    )


def test_a_deferred_schema_is_counted_as_a_read_one(tmp_path: Path) -> None:
    export = write_export_with_schema(tmp_path / "p", ad_schema(EXTENDED))
    deferred = load_side(export).objects["connector"]["contoso.com"]
    eager = load_side(export, defer_schemas=False).objects["connector"]["contoso.com"]
    assert isinstance(deferred.fields["schema"], DeferredSchema)
    counts = {"object-classes": "3", "attributes": str(len(EXTENDED))}
    assert object_tree(deferred)["schema"] == object_tree(eager)["schema"] == counts
