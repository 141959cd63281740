"""A `files` source's file read before is not read again unless its size or mtime changed."""
import os
from datetime import datetime

from newsintel.scrape.ingest import ingest_sources
from newsintel.sources import load_sources
from newsintel.storage import Warehouse

NOW = datetime(2026, 1, 1)
TEXT = " date 2021-06-05 Nigeria suspends Twitter\n\n" + "Nigeria suspended Twitter on Friday, the minister said. " * 8


def _ingest(tmp_path, refetch=False):
    extra = ", refetch: true" if refetch else ""
    (tmp_path / "s.yaml").write_text(f'sources:\n  - {{id: t, kind: files, path: "in/*.txt"{extra}}}\n')
    wh = Warehouse(tmp_path / "t.duckdb")
    with wh.writer() as con:
        return ingest_sources(con, load_sources(tmp_path / "s.yaml"), NOW, bodies=wh.bodies), wh


def test_unchanged_files_are_not_opened_again_and_count_as_unchanged(tmp_path):
    (tmp_path / "in").mkdir()
    for i in range(3):
        (tmp_path / "in" / f"{i}.txt").write_text(TEXT.replace("Friday", f"day {i}"))
    first, wh = _ingest(tmp_path)
    assert first.counts["new"] == 3
    path = tmp_path / "in" / "0.txt"
    st = path.stat()
    path.write_text(TEXT.replace("Friday", "day 9"))          # same size, mtime put back: looks unchanged
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    again, _ = _ingest(tmp_path)
    assert again.counts == {"unchanged": 3}                  # counted, but not one file was read
    assert not any("day 9" in body for _, body in wh.page_bodies())
    refetched, _ = _ingest(tmp_path, refetch=True)           # refetch reads every file again
    assert refetched.counts["updated"] == 1 and refetched.counts["unchanged"] == 2
    path.write_text(TEXT.replace("Friday", "a longer day 10"))  # a real change is seen without refetch
    changed, _ = _ingest(tmp_path)
    assert changed.counts["updated"] == 1 and changed.counts["unchanged"] == 2
    assert any("a longer day 10" in body for _, body in wh.page_bodies())
