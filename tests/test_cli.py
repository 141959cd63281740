"""The terminal SQL command: reads the published database, prints tables, reports errors plainly."""
import io

from newsintel.storage import Warehouse, upsert_rows
from pipelines import cli


def _warehouse(tmp_path):
    wh = Warehouse(tmp_path / "c.duckdb")
    with wh.writer() as con:
        upsert_rows(con, "markets", "market_id", [dict(market_id="IN", name="India", article_count=3)])
    return wh


def test_run_sql_prints_a_table(tmp_path):
    out = io.StringIO()
    cli.run_sql(_warehouse(tmp_path), "SELECT market_id, name FROM markets", out=out)
    assert "IN" in out.getvalue() and "India" in out.getvalue() and "(1 rows)" in out.getvalue()


def test_main_with_a_query_and_an_error(tmp_path, capsys):
    wh = _warehouse(tmp_path)
    assert cli.main(["--db", str(wh.path), "sql", "SELECT count(*) AS n FROM markets"]) == 0
    assert "n" in capsys.readouterr().out
    assert cli.main(["--db", str(wh.path), "sql", "SELECT * FROM nowhere"]) == 1
    assert "nowhere" in capsys.readouterr().err


def test_missing_database_says_what_to_do(tmp_path, capsys):
    assert cli.main(["--db", str(tmp_path / "none.duckdb"), "summary"]) == 1
    assert "make run" in capsys.readouterr().err
