"""`newsintel.connect()`: read-only queries answered as DataFrames, on the published state."""
import pandas as pd
import pytest

import newsintel
from newsintel.storage import Warehouse, WarehouseError, upsert_rows


def test_queries_come_back_as_dataframes_of_the_published_state(tmp_path):
    db = tmp_path / "db.duckdb"
    with pytest.raises(WarehouseError, match="run the pipeline first"):
        newsintel.connect(db).sql("SELECT 1")
    with Warehouse(db).writer() as con:
        upsert_rows(con, "markets", "market_id", [dict(market_id="IN", name="India", article_count=3),
                                                  dict(market_id="US", name="United States", article_count=1)])
    analyst = newsintel.connect(db)
    frame = analyst.sql("SELECT market_id, article_count FROM markets WHERE market_id = ? ", ["IN"])
    assert isinstance(frame, pd.DataFrame) and frame.to_dict("records") == [{"market_id": "IN", "article_count": 3}]
    assert list(analyst.table("markets", limit=1).columns) == ["market_id", "name", "region", "article_count"]
    kinds = analyst.tables().set_index("name")["kind"]
    assert kinds["markets"] == "BASE TABLE" and "raw_pages" in kinds.index
    with pytest.raises(ValueError, match="not a table"):
        analyst.table("markets; DROP TABLE markets")
    with pytest.raises(Exception, match="read-only"):
        analyst.sql("DELETE FROM markets")
    assert analyst.path == db.resolve() and repr(analyst) == f"newsintel.connect({str(db.resolve())!r})"
