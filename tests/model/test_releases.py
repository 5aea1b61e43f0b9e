"""The bundled release table and version strings: parsed strictly, refused clearly."""

from __future__ import annotations

from datetime import date

import pytest

from driftcheck.errors import InputError
from driftcheck.model.releases import add_months, load_release_table, parse_version

GOOD = """
table_date = "2024-10-31"
retirement_months = 12
source = "test"
[v1]
retired = "2022-08-31"
sync_stopped = "2023-10-01"
auto_upgrade_fixed_in = "1.1.750.0"
source = "test"
[[release]]
version = "2.1.20.0"
released = "2022-11-09"
[[release]]
version = "2.2.1.0"
released = "2023-06"
"""


@pytest.mark.parametrize(
    ("text", "version"),
    [("2.4.18.0", (2, 4, 18, 0)), (" 1.1.130.0 ", (1, 1, 130, 0)), ("2.5", (2, 5, 0, 0))],
)
def test_versions(text: str, version: tuple[int, ...]) -> None:
    assert parse_version(text) == version


@pytest.mark.parametrize("text", ["", "2", "2.4.x", "v2.4.18.0", "2.4.18.0.1", "2..4", None])
def test_unparsable_versions(text: str | None) -> None:
    assert parse_version(text) is None


def test_bundled_table_is_valid_and_ordered() -> None:
    table = load_release_table()
    versions = [r.version for r in table.releases]
    assert versions == sorted(versions) and (2, 2, 1, 0) in versions
    assert all(r.version[0] == 2 for r in table.releases)
    assert table.find((2, 1, 20, 0)) is not None
    newer, retired_on = table.retirement((2, 1, 20, 0)) or (None, None)
    assert newer is not None and newer.version == (2, 2, 1, 0)
    assert retired_on == date(2024, 6, 19)  # the example the release history gives
    retirement = table.retirement((2, 1, 19, 0))
    assert retirement is not None
    assert retirement[1] == date(2023, 11, 9)


def test_month_only_release_counts_from_the_last_day() -> None:
    table = load_release_table(GOOD)
    release = table.find((2, 2, 1, 0))
    assert release is not None and release.precision == "month"
    assert release.released == date(2023, 6, 30)
    assert table.retirement((2, 1, 20, 0)) == (release, date(2024, 6, 30))
    assert table.retirement((2, 2, 1, 0)) is None


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('version = "2.2.1.0"', 'version = "two"'), "release #2 (two): version 'two'"),
        (('released = "2023-06"', 'released = "June 2023"'), "is not a date"),
        (('released = "2023-06"', 'released = "2023-13"'), "is not a date"),
        (('version = "2.2.1.0"', 'version = "2.1.20.0"'), "listed twice"),
        (("retirement_months = 12", "retirement_months = 0"), "retirement_months"),
        (("[v1]", "[v0]"), "[v1] is missing"),
        (("[[release]]", "[[release]"), "not valid TOML"),
    ],
)
def test_bad_table_entries_are_clear_errors(edit: tuple[str, str], message: str) -> None:
    with pytest.raises(InputError) as caught:
        load_release_table(GOOD.replace(*edit, 1), name="releases.toml")
    assert message in caught.value.message
    assert caught.value.message.startswith("releases.toml: ")


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2023, 6, 19), 12, date(2024, 6, 19)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 10, 31), 1, date(2024, 11, 30)),
    ],
)
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected
