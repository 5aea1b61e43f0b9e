"""Drop folder discovery: what each export says, newest and previous per server, pairs."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from driftcheck.errors import InputError
from driftcheck.nightly.drop import (
    ExportInfo,
    discover,
    export_info,
    is_temporary_name,
    newest_two,
    parse_export_date,
    select,
)
from tests.dropkit import place_export

NIGHT = datetime(2026, 11, 30, 2, 0)


def info(server: str, day: int, *, staging: bool, hour: int = 2, name: str = "") -> ExportInfo:
    when = datetime(2026, 11, day, hour, 0)
    return ExportInfo(Path(name or f"{server}-{day}-{hour}.zip"), server, when, "2.4.18.0", staging)


# --- pure selection ---------------------------------------------------------------------------


def test_newest_and_previous_per_server_ignore_case_and_order() -> None:
    exports = [
        info("SYNC01", 28, staging=False),
        info("sync01", 30, staging=False),
        info("SYNC01", 29, staging=False),
        info("SYNC02", 30, staging=True),
    ]
    chosen = newest_two(exports)
    assert chosen["sync01"].newest.exported.day == 30
    assert chosen["sync01"].previous is not None
    assert chosen["sync01"].previous.exported.day == 29
    assert chosen["sync02"].previous is None


def test_a_copy_of_the_same_export_is_not_its_previous() -> None:
    exports = [
        info("SYNC01", 29, staging=False),
        info("SYNC01", 30, staging=False, name="a.zip"),
        info("SYNC01", 30, staging=False, name="b.zip"),
    ]
    previous = newest_two(exports)["sync01"].previous
    assert previous is not None and previous.exported.day == 29


def test_active_against_each_staging_server_and_each_server_against_itself() -> None:
    exports = [
        info("SYNC01", 29, staging=False),
        info("SYNC01", 30, staging=False),
        info("SYNC02", 29, staging=True),
        info("SYNC02", 30, staging=True),
        info("SYNC03", 30, staging=True, hour=3),
    ]
    selection = select(exports, max_skew_hours=36)
    assert selection.problem == ""
    described = [
        (c.kind, c.left.server, c.left.exported.day, c.right.server, c.right.exported.day)
        for c in selection.comparisons
    ]
    assert described == [
        ("pair", "SYNC01", 30, "SYNC02", 30),
        ("pair", "SYNC01", 30, "SYNC03", 30),
        ("self", "SYNC01", 29, "SYNC01", 30),
        ("self", "SYNC02", 29, "SYNC02", 30),
    ]
    assert [c.key for c in selection.comparisons] == [
        "sync01|sync02",
        "sync01|sync03",
        "self:sync01",
        "self:sync02",
    ]
    assert [c.title for c in selection.comparisons][:1] == ["SYNC01 vs SYNC02"]


def test_pairs_taken_far_apart_are_refused_with_a_warning() -> None:
    exports = [info("SYNC01", 30, staging=False), info("SYNC02", 27, staging=True)]
    selection = select(exports, max_skew_hours=36)
    assert [c.kind for c in selection.comparisons] == []
    assert "72 hours apart" in selection.warnings[0]
    assert "within --max-skew" in selection.problem
    assert select(exports, max_skew_hours=100).problem == ""


@pytest.mark.parametrize(
    ("exports", "problem"),
    [
        ([], "no export of an active server"),
        ([info("SYNC01", 30, staging=False)], "no export of a staging server"),
        ([info("SYNC02", 30, staging=True)], "no export of an active server"),
        (
            [info("SYNC01", 30, staging=False), info("SYNC09", 30, staging=False)],
            "more than one active server (StagingMode False): SYNC01, SYNC09",
        ),
    ],
)
def test_no_complete_pair_is_a_problem(exports: list[ExportInfo], problem: str) -> None:
    assert select(exports, max_skew_hours=36).problem.startswith(problem)


def test_a_role_change_is_reported() -> None:
    exports = [
        info("SYNC01", 29, staging=False),
        info("SYNC01", 30, staging=True),
        info("SYNC02", 29, staging=True),
        info("SYNC02", 30, staging=False),
    ]
    selection = select(exports, max_skew_hours=36)
    assert [(c.left.server, c.right.server) for c in selection.comparisons if c.kind == "pair"] == [
        ("SYNC02", "SYNC01")
    ]
    assert any("SYNC01 changed role: active" in w for w in selection.warnings)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-11-18 08:42:17.530", datetime(2024, 11, 18, 8, 42, 17, 530000)),
        ("2024-11-18 08:42:17", datetime(2024, 11, 18, 8, 42, 17)),
        ("yesterday", None),
        ("", None),
    ],
)
def test_export_dates(text: str, expected: datetime | None) -> None:
    assert parse_export_date(text) == expected


@pytest.mark.parametrize(
    ("name", "temporary"),
    [
        ("20261130.zip.tmp", True),
        ("20261130.zip", False),
        (".20261130.zip", True),
        ("x.zip.partial", True),
        ("20261130", False),
    ],
)
def test_temporary_names(name: str, temporary: bool) -> None:
    assert is_temporary_name(name) is temporary


# --- the drop folder --------------------------------------------------------------------------


def test_export_info_reads_what_the_export_says(tmp_path: Path) -> None:
    path = place_export(
        tmp_path,
        "whatever",
        "x.zip",
        server="FAB-SYNC02",
        exported=NIGHT,
        staging=True,
        source="staging",
    )
    found = export_info(path)
    assert (found.server, found.exported, found.staging) == ("FAB-SYNC02", NIGHT, True)
    assert found.product_version.count(".") == 3


def _night(drop: Path, day: int, *, as_zip: bool = True) -> None:
    when = datetime(2026, 11, day, 2, 0)
    for server, staging in (("SYNC01", False), ("SYNC02", True)):
        place_export(
            drop,
            server.lower(),
            f"{when:%Y%m%d}.zip",
            server=server,
            exported=when,
            staging=staging,
            as_zip=as_zip,
        )


def test_discover_newest_and_previous_from_zips_and_folders(tmp_path: Path) -> None:
    _night(tmp_path, 28)
    _night(tmp_path, 29, as_zip=False)
    _night(tmp_path, 30)
    selection = discover(tmp_path)
    assert selection.problem == ""
    assert [(c.kind, c.left.path.name, c.right.path.name) for c in selection.comparisons] == [
        ("pair", "20261130.zip", "20261130.zip"),
        ("self", "20261129.zip", "20261130.zip"),
        ("self", "20261129.zip", "20261130.zip"),
    ]
    assert selection.comparisons[1].left.path.is_dir()
    assert selection.warnings == ()


def test_half_copied_and_damaged_zips_are_skipped_and_the_previous_used(tmp_path: Path) -> None:
    _night(tmp_path, 28)
    _night(tmp_path, 29)
    good = tmp_path / "sync02" / "20261129.zip"
    # tonight: SYNC01's zip is still being copied under its temporary name, SYNC02's was
    # copied without the rename and is cut off half-way, and a third one is damaged inside.
    place_export(
        tmp_path,
        "sync01",
        "20261130.zip.tmp",
        server="SYNC01",
        exported=datetime(2026, 11, 30, 2),
        staging=False,
    )
    data = good.read_bytes()
    (tmp_path / "sync02" / "20261130.zip").write_bytes(data[: len(data) // 2])
    selection = discover(tmp_path)
    assert selection.problem == ""
    pair = selection.comparisons[0]
    assert (pair.left.exported.day, pair.right.exported.day) == (29, 29)
    assert len(selection.warnings) == 2
    assert "20261130.zip.tmp: temporary name, still being copied; skipped" in selection.warnings[0]
    assert "20261130.zip: not a complete zip archive" in selection.warnings[1]


def test_a_zip_with_a_damaged_member_is_skipped(tmp_path: Path) -> None:
    _night(tmp_path, 29)
    _night(tmp_path, 30)
    target = tmp_path / "sync02" / "20261130.zip"
    with zipfile.ZipFile(target) as archive:
        member = next(i for i in archive.infolist() if i.filename.startswith("Sync"))
    data = bytearray(target.read_bytes())
    # corrupt the compressed bytes of the sync rule: MV.xml still reads
    start = member.header_offset + 30 + len(member.filename.encode()) + len(member.extra)
    data[start + 5 : start + 15] = bytes(10)
    target.write_bytes(bytes(data))
    selection = discover(tmp_path)
    assert [(c.kind, c.right.server, c.right.exported.day) for c in selection.comparisons] == [
        ("pair", "SYNC02", 29),
        ("self", "SYNC01", 30),
    ]
    assert any("20261130.zip: damaged zip" in w for w in selection.warnings)


def test_not_a_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is not a folder"):
        discover(tmp_path / "missing")
