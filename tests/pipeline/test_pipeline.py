"""The stages wired together: schemas read only when they may differ, the same result either way.

Connector schemas are read by an injected schema reader (``load_both(schema_reader=...)``).
On two cores the staging side's reads happen in the worker process, so a reader given to that
path is a module-level function; on one core (a serial executor) any callable will do, and
what it was asked to read can be recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from exportkit import estate

from driftcheck.compare.canonical import DeferredSchema
from driftcheck.compare.normalize import canonicalize, differing_schemas
from driftcheck.compare.walk import Change, compare
from driftcheck.errors import InputError
from driftcheck.model.server import Schema, SchemaFingerprint
from driftcheck.pipeline import compare as pipeline
from driftcheck.pipeline.compare import SerialExecutor, compare_exports, load_both, load_side
from driftcheck.read.extract import read_schemas, server_configuration
from driftcheck.read.files import read_export
from driftcheck.report.build import object_tree
from tests.conftest import AD_ATTRIBUTES, SAMPLES, ad_schema, write_export_with_schema

EXTENDED = (*AD_ATTRIBUTES, ("contoso-costCenter", "1.3.6.1.4.1.1466.115.121.1.15", True))


def refuse(refs: Sequence[SchemaFingerprint]) -> list[Schema]:
    """A schema reader for tests that must read nothing (picklable: runs in the worker too)."""
    raise AssertionError(f"asked to read {len(refs)} schema(s)")


class RecordingReader:
    """The real reader, keeping the files it was asked for (one-core path only)."""

    def __init__(self) -> None:
        self.files: list[str] = []

    def __call__(self, refs: Sequence[SchemaFingerprint]) -> list[Schema]:
        self.files += [Path(ref.export).name + "/" + ref.file for ref in refs]
        return read_schemas(refs)


@pytest.fixture(params=[1, 2], ids=["one-core", "two-cores"])
def cores(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Run a test on the serial path and on the process-pool path, whatever the machine."""
    count: int = request.param
    monkeypatch.setenv("DRIFTCHECK_WORKERS", str(count))
    return count


@pytest.fixture
def one_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRIFTCHECK_WORKERS", "1")


def eager_changes(primary: Path, staging: Path) -> tuple[Change, ...]:
    """Every schema read in full while loading, in this process: no fingerprints at all."""
    p, s = (canonicalize(server_configuration(read_export(x))) for x in (primary, staging))
    return compare(p, s).changes


def pipeline_changes(primary: Path, staging: Path) -> tuple[Change, ...]:
    """Schemas fingerprinted, the differing ones read by the pipeline before comparing."""
    return compare(*load_both(primary, staging)).changes


def schema_changes(changes: tuple[Change, ...]) -> set[tuple[str, str, str]]:
    return {
        (c.path, c.change, str(c.staging or c.primary))
        for c in changes
        if c.path.startswith("schema")
    }


def test_one_core_uses_a_serial_executor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRIFTCHECK_WORKERS", "1")
    assert isinstance(pipeline.worker_pool(), SerialExecutor)
    monkeypatch.setenv("DRIFTCHECK_WORKERS", "2")
    with pipeline.worker_pool() as pool:
        assert not isinstance(pool, SerialExecutor)
    monkeypatch.setenv("DRIFTCHECK_WORKERS", "none")
    with pytest.raises(InputError, match="DRIFTCHECK_WORKERS must be a whole number"):
        pipeline.worker_pool()


def test_serial_executor_hands_over_results_and_errors() -> None:
    executor = SerialExecutor()
    assert executor.submit(sum, [1, 2, 3]).result() == 6
    failed = executor.submit(int, "not a number")
    with pytest.raises(ValueError):
        failed.result()


def test_equal_schemas_are_never_read(tmp_path: Path, cores: int) -> None:
    primary = write_export_with_schema(tmp_path / "p", ad_schema())
    staging = write_export_with_schema(tmp_path / "s", ad_schema())
    p, s = load_both(primary, staging, schema_reader=refuse)
    assert isinstance(p.objects["connector"]["contoso.com"].fields["schema"], DeferredSchema)
    assert differing_schemas(p, s) == []
    assert compare(p, s).changes == ()


def test_differing_schemas_are_read_once_each_before_comparing(
    tmp_path: Path, one_core: None
) -> None:
    primary = write_export_with_schema(tmp_path / "p", ad_schema())
    staging = write_export_with_schema(tmp_path / "s", ad_schema(EXTENDED))
    reader = RecordingReader()
    p, s = load_both(primary, staging, schema_reader=reader)
    connector = "Connectors/Connector_{11111111-2222-3333-4444-555555555555}.xml"
    assert sorted(reader.files) == [f"p/{connector}", f"s/{connector}"]
    for side in (p, s):
        assert isinstance(side.objects["connector"]["contoso.com"].fields["schema"], dict)
    assert differing_schemas(p, s) == []


def test_a_reader_returning_too_few_schemas_is_an_error(tmp_path: Path, one_core: None) -> None:
    primary = write_export_with_schema(tmp_path / "p", ad_schema())
    staging = write_export_with_schema(tmp_path / "s", ad_schema(EXTENDED))
    with pytest.raises(ValueError, match="returned 0 schemas for 1"):
        load_both(primary, staging, schema_reader=lambda refs: [])


@pytest.mark.parametrize(
    "rewritten", [ad_schema(first_id=7), ad_schema(reverse=True)], ids=["renumbered", "reordered"]
)
def test_same_schema_written_differently_is_read_and_found_equal(
    tmp_path: Path, rewritten: str, cores: int
) -> None:
    primary = write_export_with_schema(tmp_path / "p", ad_schema())
    staging = write_export_with_schema(tmp_path / "s", rewritten)
    assert len(differing_schemas(load_side(primary), load_side(staging))) == 1
    assert differing_schemas(*load_both(primary, staging)) == []  # both read already
    assert pipeline_changes(primary, staging) == ()


def test_schema_drift_is_reported_as_if_read_while_loading(tmp_path: Path, cores: int) -> None:
    primary = write_export_with_schema(tmp_path / "p", ad_schema())
    staging = write_export_with_schema(tmp_path / "s", ad_schema(EXTENDED, reverse=True))
    expected = {
        ("schema/attributes/contoso-costCenter", "added", "1.3.6.1.4.1.1466.115.121.1.15, single-valued"),
        ("schema/object-classes/user/attributes", "added", "contoso-costCenter"),
    }  # fmt: skip
    eager = eager_changes(primary, staging)
    assert schema_changes(eager) == expected
    assert pipeline_changes(primary, staging) == eager


def test_samples_compare_the_same_deferred_or_not(cores: int) -> None:
    primary, staging = SAMPLES / "primary", SAMPLES / "staging"
    eager = eager_changes(primary, staging)
    assert eager  # the samples carry drift
    assert pipeline_changes(primary, staging) == eager


def test_name_map_reads_every_schema_while_loading(tmp_path: Path, cores: int) -> None:
    primary = write_export_with_schema(tmp_path / "p", ad_schema())
    staging = write_export_with_schema(tmp_path / "s", ad_schema(EXTENDED))
    name_map = {"contoso-dev.com": "contoso.com"}
    loaded = load_both(primary, staging, name_map, schema_reader=refuse)
    for side in loaded:
        assert isinstance(side.objects["connector"]["contoso.com"].fields["schema"], dict)
    report = compare_exports(primary, staging, name_map=name_map, schema_reader=refuse).to_json()
    paths = {(d["object"], d["path"]) for d in report["differences"]}
    assert ("contoso.com", "schema/attributes/contoso-costCenter") in paths


def test_generated_estate_reports_exactly_the_planted_drift(tmp_path: Path, cores: int) -> None:
    kinds = len(estate.DRIFT_KINDS)
    summary = estate.write_pair(tmp_path, 2, 8, drift=kinds, seed=11)
    assert {p.kind for p in summary.planted} == set(estate.DRIFT_KINDS)
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
