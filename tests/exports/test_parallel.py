"""Reading one csexport file in ranges, side by side: the same result as one piece, or one piece.

The ranges are made small here (``MIN_RANGE_BYTES``) so that files of a few hundred kB are cut
into several ranges read by forked workers; every outcome is compared with the same file read
in one process (``DRIFTCHECK_WORKERS=1``).
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from exportkit.csexport import CsExportStyle
from exportkit.pendingbench import write_bench_file

from driftcheck.errors import InputError
from driftcheck.exports import ExportsOptions, verify_exports
from driftcheck.exports import parallel as parallel_module
from driftcheck.exports.parallel import ranges_of, read_in_ranges
from driftcheck.exports.split import (
    RangeStream,
    Unsplittable,
    _next_object,
    encoding_of,
    object_starts,
)
from driftcheck.exports.tally import BoundedCounter
from driftcheck.read.limits import Limits
from driftcheck.read.workers import fork_context
from driftcheck.render.exports_csv import CsvWriter
from driftcheck.render.exports_json import render_json as render_exports_json
from tests.procs import alive, children_of

pytestmark = pytest.mark.skipif(fork_context() is None, reason="no fork: files are read whole")

OBJECTS = 1200


@pytest.fixture(autouse=True)
def small_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel_module, "MIN_RANGE_BYTES", 20_000)


def bench_file(path: Path, style: CsExportStyle | None = None, count: int = OBJECTS) -> Path:
    write_bench_file(path, count, style=style or CsExportStyle())
    return path


def read(path: Path, workers: int, monkeypatch: pytest.MonkeyPatch, csv: Path | None = None) -> str:
    """The JSON of ``driftcheck exports`` over ``path`` with ``workers`` processes (and the CSV
    written to ``csv``, spooled beside it)."""
    monkeypatch.setenv("DRIFTCHECK_WORKERS", str(workers))
    options = ExportsOptions(connectors=(f"contoso.onmicrosoft.com - AAD={path.name}",))
    if csv is None:
        return render_exports_json(verify_exports([path], options))
    with csv.open("w", encoding="utf-8-sig", newline="") as handle:
        sink = CsvWriter(handle, spool_in=csv.parent)
        return render_exports_json(verify_exports([path], options, sink=sink))


def cut_into(path: Path, parts: int) -> int:
    """How many ranges the reader cuts ``path`` into for ``parts`` workers."""
    fd = os.open(path, os.O_RDONLY)
    try:
        cut = ranges_of(fd, os.fstat(fd).st_size, parts)
    finally:
        os.close(fd)
    return 0 if cut is None else len(cut[1])


STYLES = {
    "utf-8, one object a line": CsExportStyle(compact=True),
    "utf-8, indented": CsExportStyle(),
    "utf-8 with a byte-order mark, CRLF": CsExportStyle(encoding="utf-8-sig", crlf=True),
    "utf-16": CsExportStyle(encoding="utf-16"),
}


@pytest.mark.parametrize("style", STYLES.values(), ids=STYLES.keys())
def test_ranges_give_what_one_piece_gives(
    style: CsExportStyle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bench_file(tmp_path / "aad.xml", style)
    assert cut_into(path, 4) == 4
    one = read(path, 1, monkeypatch, tmp_path / "one.csv")
    four = read(path, 4, monkeypatch, tmp_path / "four.csv")
    assert four == one
    assert (tmp_path / "four.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()
    assert json.loads(one)["files"][0]["cs_objects"] == OBJECTS  # every object counted
    assert not list(tmp_path.glob(".driftcheck-spool-*")), "spool folders are removed"
    assert multiprocessing.active_children() == []


def test_the_file_is_really_read_in_ranges(tmp_path: Path) -> None:
    path = bench_file(tmp_path / "aad.xml")
    with path.open("rb") as handle:
        tally = read_in_ranges(handle, str(path), "AAD", Limits(), workers=3)
    assert tally is not None and tally.cs_objects == OBJECTS
    assert sum(tally.ops.values()) > 0
    assert multiprocessing.active_children() == []


def test_a_zip_member_or_a_sink_that_cannot_spool_is_read_in_one_piece(tmp_path: Path) -> None:
    path = bench_file(tmp_path / "aad.xml")
    with io.BytesIO(path.read_bytes()) as member:  # no file descriptor, like a zip member
        assert read_in_ranges(member, "m", "AAD", Limits(), workers=4) is None
    with path.open("rb") as handle:
        unspooled = CsvWriter(io.StringIO())  # no spool folder
        assert read_in_ranges(handle, "f", "AAD", Limits(), 4, sink=unspooled) is None
        assert read_in_ranges(handle, "f", "AAD", Limits(), 4, sink=lambda c, o: None) is None


def _with_inserted(path: Path, text: bytes) -> Path:
    """``path`` with ``text`` put between two objects in its middle."""
    data = path.read_bytes()
    at = data.index(b"<cs-object ", len(data) // 2)
    path.write_bytes(data[:at] + text + data[at:])
    return path


@pytest.mark.parametrize(
    "markup",
    [
        b"<!-- <cs-object id='fake'></cs-object> -->\n",
        b"<?driftcheck test?>\n",
    ],
    ids=["comment holding an object", "processing instruction"],
)
def test_markup_a_csexport_never_has_sends_the_file_to_one_piece(
    markup: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _with_inserted(bench_file(tmp_path / "aad.xml"), markup)
    with path.open("rb") as handle:
        assert read_in_ranges(handle, "f", "AAD", Limits(), workers=4) is None
    assert read(path, 4, monkeypatch) == read(path, 1, monkeypatch)
    assert json.loads(read(path, 4, monkeypatch))["files"][0]["cs_objects"] == OBJECTS


def test_cdata_in_a_value_is_read_in_one_piece(tmp_path: Path) -> None:
    data = bench_file(tmp_path / "aad.xml").read_bytes()
    at = data.index(b"<value>", len(data) // 2) + len(b"<value>")
    path = tmp_path / "cdata.xml"
    path.write_bytes(data[:at] + b"<![CDATA[<cs-object id='x'>]]>" + data[at:])
    with path.open("rb") as handle:
        assert read_in_ranges(handle, "f", "AAD", Limits(), workers=4) is None


@pytest.mark.parametrize(
    "damage",
    ["cut short", "an object left open", "a stray end tag"],
)
def test_a_damaged_file_fails_as_in_one_piece(
    damage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = bench_file(tmp_path / "aad.xml").read_bytes()
    middle = data.index(b"</cs-object>", len(data) // 3)
    if damage == "cut short":
        data = data[: len(data) * 2 // 3]
    elif damage == "an object left open":
        data = data[:middle] + data[middle + len(b"</cs-object>") :]
    else:
        data = data[:middle] + b"</cs-objects>" + data[middle:]
    path = tmp_path / "damaged.xml"
    path.write_bytes(data)
    errors = []
    for workers in (1, 4):
        monkeypatch.setenv("DRIFTCHECK_WORKERS", str(workers))
        with pytest.raises(InputError) as info:
            verify_exports([path], ExportsOptions(connectors=(f"AAD={path.name}",)))
        errors.append(info.value.message)
    assert errors[0] == errors[1]
    assert f"{path}:" in errors[0]  # the file and its line
    assert multiprocessing.active_children() == []


def test_a_failed_run_leaves_no_spool_and_no_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = bench_file(tmp_path / "aad.xml").read_bytes()
    path = tmp_path / "short.xml"
    path.write_bytes(data[: len(data) * 3 // 4])
    monkeypatch.setenv("DRIFTCHECK_WORKERS", "4")
    out = io.StringIO()
    with pytest.raises(InputError, match="malformed XML"):
        verify_exports(
            [path],
            ExportsOptions(connectors=(f"AAD={path.name}",)),
            sink=CsvWriter(out, spool_in=tmp_path),
        )
    assert not list(tmp_path.glob(".driftcheck-spool-*"))
    assert multiprocessing.active_children() == []


def test_cuts_fall_on_object_start_tags_only(tmp_path: Path) -> None:
    path = bench_file(tmp_path / "aad.xml", CsExportStyle(encoding="utf-16"), count=300)
    data = path.read_bytes()
    fd = os.open(path, os.O_RDONLY)
    try:
        encoding = encoding_of(data[:200])
        assert encoding is not None and encoding.codec == "utf-16-le"
        starts = object_starts(fd, len(data), 5, encoding)
    finally:
        os.close(fd)
    assert len(starts) == 4 and starts == sorted(set(starts))
    for at in starts:
        assert at % 2 == 0
        assert data[at:].decode("utf-16-le", errors="ignore").startswith("<cs-object ")


def test_the_root_and_an_odd_offset_are_not_object_starts(tmp_path: Path) -> None:
    text = "<?xml version='1.0'?>\n<cs-objects>" + "x" * 100 + "<cs-object id='1'/></cs-objects>"
    path = tmp_path / "tiny.xml"
    path.write_text(text, encoding="utf-8")
    fd = os.open(path, os.O_RDONLY)
    try:
        encoding = encoding_of(path.read_bytes())
        assert encoding is not None
        assert object_starts(fd, len(text), 2, encoding) == [text.index("<cs-object ")]
    finally:
        os.close(fd)

    # UTF-16 text whose bytes hold the marker "<cs-object " at an odd offset: not a tag
    shifted = chr(0x3C41) + "".join(chr(ord(c) << 8) for c in "cs-object ") + chr(0x4100)
    doc = f"<cs-objects><cs-object id='0'><v>{shifted}</v></cs-object><cs-object id='1'/></cs-objects>"
    data = doc.encode("utf-16")
    assert "<cs-object ".encode("utf-16-le") in data[data.index(shifted.encode("utf-16-le")) :]
    path.write_bytes(data)
    fd = os.open(path, os.O_RDONLY)
    try:
        encoding = encoding_of(data)
        assert encoding is not None and encoding.unit == 2
        after_first = data.index("<v>".encode("utf-16-le"))
        real = data.index("<cs-object id='1'".encode("utf-16-le"))
        assert _next_object(fd, after_first, len(data), encoding) == real
    finally:
        os.close(fd)


def test_only_utf8_and_utf16_with_a_bom_are_cut() -> None:
    assert encoding_of(b'<?xml version="1.0" encoding="utf-8"?><cs-objects>') is not None
    assert encoding_of(b"<cs-objects>") is not None
    assert encoding_of(b'<?xml version="1.0" encoding="windows-1252"?><cs-objects>') is None
    assert encoding_of("<cs-objects>".encode("utf-16-le")) is None  # no byte-order mark
    utf16 = encoding_of(b"\xff\xfe" + "<cs-objects>".encode("utf-16-le"))
    assert utf16 is not None and utf16.unit == 2


def test_the_range_stream_refuses_markup_across_two_reads(tmp_path: Path) -> None:
    data = b"<cs-objects>" + b"a" * 9 + b"<!-- x -->" + b"</cs-objects>"
    path = tmp_path / "f.xml"
    path.write_bytes(data)
    fd = os.open(path, os.O_RDONLY)
    try:
        encoding = encoding_of(data)
        assert encoding is not None
        stream = RangeStream(fd, 0, len(data), b"", b"", encoding)
        with pytest.raises(Unsplittable):
            while stream.read(11):  # the "<!" falls across the second and third reads
                pass
        declared = b'<?xml version="1.0"?><cs-objects></cs-objects>'
        path.write_bytes(declared)
        whole = RangeStream(fd, 0, len(declared), b"", b"", encoding)
        assert whole.read(1000) == declared  # the declaration at the start is allowed
    finally:
        os.close(fd)


def test_bounded_counters_merge_exactly_below_capacity() -> None:
    first, second, whole = BoundedCounter(10), BoundedCounter(10), BoundedCounter(10)
    for key in ["a", "b", "a", "c"]:
        first.add((key, key))
        whole.add((key, key))
    for key in ["c", "d", "a"]:
        second.add((key, key))
        whole.add((key, key))
    first.merge(second)
    assert first.counts == whole.counts and not first.approximate
    full = BoundedCounter(4)
    other = BoundedCounter(4)
    for key in "abcd":
        full.add((key, key))
    for key in "efgh":
        other.add((key, key))
    full.merge(other)
    assert full.approximate and len(full.counts) <= 4


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stopped_read_leaves_no_worker_no_spool_and_no_output(
    tmp_path: Path, signum: int, code: int
) -> None:
    path = bench_file(tmp_path / "aad.xml", count=20_000)
    out = tmp_path / "out"
    out.mkdir()
    # The command line, with ranges of 1 MB so that the file is read by four workers.
    program = (
        "import sys; import driftcheck.exports.parallel as p; p.MIN_RANGE_BYTES = 10**6; "
        "from driftcheck.cli.app import run; sys.argv[0] = 'driftcheck'; run()"
    )
    run = subprocess.Popen(
        [sys.executable, "-c", program, "exports", str(path), "--json", str(out / "r.json"),
         "--csv", str(out / "r.csv")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "DRIFTCHECK_WORKERS": "4"},
    )  # fmt: skip
    workers: set[int] = set()
    deadline = time.monotonic() + 20
    while len(workers) < 3 and time.monotonic() < deadline and run.poll() is None:
        workers |= children_of(run.pid)
        time.sleep(0.01)
    assert len(workers) == 3, "the read never started its three workers"
    assert run.poll() is None, "the read ended before it could be stopped"
    run.send_signal(signum)
    _, err = run.communicate(timeout=10)
    assert run.returncode == code
    assert f"driftcheck: stopped by {signal.Signals(signum).name}" in err
    assert "Traceback" not in err
    time.sleep(1)
    assert not [pid for pid in workers if alive(pid)], "a worker outlived the run"
    assert not list(out.iterdir()), "an output, a temporary file or a spool was left behind"
