"""Incremental resolve: recomputing only what new reports touched gives the same tables as a rebuild."""
import shutil

from conftest import REPO, run_pipeline, write_sources

from newsintel.extract import EXTRACTOR_VERSION
from newsintel.resolve.stage import TABLES, resolve_all
from newsintel.storage import Warehouse


def _tables(con):
    return {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in TABLES}


def test_demo_in_two_runs_resolves_like_one_rebuild(tmp_path):
    demo = tmp_path / "demo"
    shutil.copytree(REPO / "data" / "demo", demo)
    later = tmp_path / "later"
    later.mkdir()
    for folder in ("wire", "ledger"):                     # half of the outlets arrive in a later run
        shutil.move(demo / folder, later / folder)
    sources = write_sources(tmp_path, 'sources:\n  - {id: demo, kind: files, path: "demo/**/*"}\n')
    db = tmp_path / "inc.duckdb"
    run_pipeline(db, sources)
    for folder in ("wire", "ledger"):
        shutil.move(later / folder, demo / folder)
    run_pipeline(db, sources)
    wh = Warehouse(db)
    with wh.reader() as con:
        incremental = _tables(con)
        assert con.execute("SELECT count(*) FROM resolve_queue").fetchone()[0] == 0
    with wh.writer() as con:
        rebuilt_stats = resolve_all(con, extractor_version=EXTRACTOR_VERSION, full=True)
        rebuilt = _tables(con)
    assert incremental == rebuilt
    assert all(s.inserted == s.updated == s.deleted == 0 for s in rebuilt_stats.values()), rebuilt_stats
    with wh.writer() as con:                              # nothing queued: nothing read, nothing changed
        again = resolve_all(con, extractor_version=EXTRACTOR_VERSION)
    assert all(s.inserted == s.updated == s.deleted == 0 for s in again.values())
    # another extractor version is other rules: a whole rebuild (same tables), recorded under the new stamp
    with wh.writer() as con:
        resolve_all(con, extractor_version="another-version")
        stamps = [r[0] for r in con.execute("SELECT fingerprint FROM resolve_state").fetchall()]
        assert len(stamps) == 1 and stamps[0].startswith("another-version+") and _tables(con) == rebuilt


def test_a_rebuild_in_small_batches_of_groups_gives_the_same_tables(tmp_path, monkeypatch):
    import newsintel.resolve.stage as stage
    sources = write_sources(tmp_path, f'sources:\n  - {{id: demo, kind: files, path: "{REPO}/data/demo/**/*"}}\n')
    db = tmp_path / "db.duckdb"
    run_pipeline(db, sources)
    wh = Warehouse(db)
    monkeypatch.setattr(stage, "BATCH_REPORTS", 3)         # about a batch per group
    with wh.reader() as con:
        whole = _tables(con)
        batches = stage._batches(con, "SELECT market_id, target_id, measure, count(*) FROM ban_reports "
                                      "GROUP BY ALL ORDER BY ALL")
    assert len(batches) > 5
    with wh.writer() as con:
        stats = resolve_all(con, extractor_version=EXTRACTOR_VERSION, full=True)
        assert _tables(con) == whole
    assert all(s.inserted == s.updated == s.deleted == 0 for s in stats.values()), stats
