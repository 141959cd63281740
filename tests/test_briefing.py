"""The briefing page: built by the `briefing` asset from a warehouse holding the seed article, it names the
companies, markets and statuses the views hold, quotes the evidence, draws its charts as inline SVG, loads
nothing from the network, and is well-formed HTML. An empty warehouse still gives a page."""
from __future__ import annotations

import html
import re
import shutil
from datetime import date
from html.parser import HTMLParser

import pytest
from conftest import run_pipeline, write_sources
from dagster import materialize

from assets.resources import WarehouseResource
from newsintel.briefing import _month_ticks, build_briefing, compact
from newsintel.storage import Warehouse
from pipelines.definitions import REPORT_ASSETS

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Structure(HTMLParser):
    """Checks that every element is closed in order, and records tags and external references."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: dict[str, int] = {}
        self.external: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._note(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self._note(tag, attrs)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)

    def _note(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        for name, value in attrs:
            # Anything the browser would load by itself: scripts, styles, images, frames, fonts.
            if name in ("src", "srcset", "data", "poster") or (tag == "link" and name == "href"):
                self.external.append(f"<{tag} {name}={value}>")
            if tag in ("image", "use") and name in ("href", "xlink:href") and not (value or "").startswith("#"):
                self.external.append(f"<{tag} {name}={value}>")


def parse(page: str) -> Structure:
    parser = Structure()
    parser.feed(page)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory):
    from conftest import SEED
    if not SEED.is_file():
        pytest.skip(f"seed article not found at {SEED} (set NEWSINTEL_SHARED to the shared/ folder)")
    tmp = tmp_path_factory.mktemp("briefing")
    (tmp / "corpus").mkdir()
    shutil.copy(SEED, tmp / "corpus" / SEED.name)
    sources = write_sources(tmp, 'sources:\n  - {id: seed, kind: files, path: "corpus/*.txt"}\n')
    db = tmp / "seed.duckdb"
    run_pipeline(db, sources)
    return db


@pytest.fixture(scope="module")
def briefing_run(seeded_db, tmp_path_factory):
    """The asset itself, as a run would materialize it, writing to a temporary path."""
    out = tmp_path_factory.mktemp("report") / "nested" / "briefing.html"
    result = materialize(REPORT_ASSETS, resources={"warehouse": WarehouseResource(path=str(seeded_db))},
                         run_config={"ops": {"briefing": {"config": {"path": str(out)}}}})
    assert result.success
    (event,) = result.get_asset_materialization_events()
    return out, event.materialization.metadata


def test_asset_writes_the_page_and_reports_path_and_counts(briefing_run):
    out, meta = briefing_run
    assert out.is_file() and out.stat().st_size > 5000
    assert meta["path"].value == str(out)
    assert meta["open"].value == out.resolve().as_uri()
    assert meta["bytes"].value == out.stat().st_size
    counts = {k: meta[k].value for k in ("articles", "bans", "bans_enacted", "deals", "deals_open", "markets")}
    assert counts == {"articles": 1, "bans": 3, "bans_enacted": 3, "deals": 3, "deals_open": 3, "markets": 2}


def test_page_names_companies_markets_and_statuses(briefing_run):
    page = briefing_run[0].read_text(encoding="utf-8")
    text = html.unescape(" ".join(parse(page).text))
    for name in ("TikTok", "ByteDance", "WeChat", "Reliance Industries", "Microsoft", "Twitter",
                 "India", "United States", "President Trump", "The government of India"):
        assert name in text, name
    for status in ("enacted", "talks", "rumored"):
        assert status in text, status
    assert "app ban" in text and "transaction ban" in text
    assert "TikTok’s US business" in text
    assert "59" in text                               # the Indian ban covered 59 apps
    assert "over 200M" in text                        # what the ban put at stake


def test_page_quotes_the_evidence_sentences(briefing_run, seeded_db):
    page = briefing_run[0].read_text(encoding="utf-8")
    text = html.unescape(" ".join(parse(page).text))
    evidence = [e for (e,) in Warehouse(seeded_db).query(
        "SELECT evidence FROM ban_reports UNION SELECT evidence FROM deal_reports")]
    assert len(evidence) >= 4
    for sentence in evidence:
        assert sentence in text, sentence


def test_page_is_well_formed_and_self_contained(briefing_run):
    page = briefing_run[0].read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    parsed = parse(page)
    assert not parsed.errors, parsed.errors[:5]
    assert parsed.stack == []
    assert not parsed.external, parsed.external
    assert "script" not in parsed.tags and "link" not in parsed.tags and "img" not in parsed.tags
    assert not re.search(r"""(?:src|href)\s*=\s*["']?https?://[^"'>]*\.(?:js|css|png|jpe?g|svg|woff2?)""", page)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", page)
    # Four inline SVG charts: the ban timeline, the deal pipeline, companies and markets.
    assert parsed.tags.get("svg") == 4
    assert parsed.tags.get("circle", 0) == 3       # one dot per ban step
    assert parsed.tags.get("table", 0) >= 3


def test_ban_timeline_has_a_lane_per_market_coloured_by_status(briefing_run):
    page = briefing_run[0].read_text(encoding="utf-8")
    timeline = page[page.index('id="ban-timeline"'):page.index('id="deal-pipeline"')]
    assert timeline.count('class="lane-lbl"') == 2
    assert ">India<" in timeline and ">United States<" in timeline
    assert timeline.count('fill="#c62828"') >= 3        # enacted
    assert "Jun 2020" in timeline and "latest article 2020-08-13" in timeline


def test_empty_warehouse_still_gives_a_page(tmp_path):
    (tmp_path / "corpus").mkdir()
    sources = write_sources(tmp_path, 'sources:\n  - {id: none, kind: files, path: "corpus/*.txt"}\n')
    db = tmp_path / "empty.duckdb"
    run_pipeline(db, sources)
    with Warehouse(db).reader() as con:
        page = build_briefing(con)
    parsed = parse(page.html)
    assert not parsed.errors and parsed.stack == []
    assert page.counts["articles"] == 0 and page.counts["bans"] == 0
    assert "No dated bans yet." in page.html and "No deals reported yet." in page.html


def test_helpers():
    assert compact(200_000_000) == "200M" and compact(1.5e9) == "1.5B" and compact(12_345) == "12.3K"
    assert compact(59) == "59"
    assert [t for _, t in _month_ticks(date(2020, 5, 12), date(2020, 8, 3))] == ["Jun 2020", "Jul 2020", "Aug 2020"]
    two_yearly = [str(y) for y in range(2002, 2021, 2)]
    assert [t for _, t in _month_ticks(date(2001, 3, 1), date(2021, 1, 1))] == two_yearly
    decades = ["1970", "1980", "1990", "2000", "2010", "2020"]
    assert [t for _, t in _month_ticks(date(1961, 3, 1), date(2021, 1, 1))] == decades


def test_the_page_goes_beside_the_database_it_describes(seeded_db, tmp_path):
    from newsintel.briefing import DEFAULT_BRIEFING_PATH, briefing_path_for
    from newsintel.paths import DEFAULT_DB_PATH
    assert briefing_path_for(DEFAULT_DB_PATH) == DEFAULT_BRIEFING_PATH
    assert briefing_path_for(tmp_path / "x.duckdb") == tmp_path.resolve() / "x.briefing.html"
    lake = briefing_path_for("ducklake:postgres:dbname=l password=secret?data_path=/srv/l/")
    assert lake.parent == DEFAULT_BRIEFING_PATH.parent and "secret" not in lake.name
    assert lake != briefing_path_for("ducklake:postgres:dbname=other?data_path=/srv/o/")

    before = DEFAULT_BRIEFING_PATH.stat().st_mtime_ns if DEFAULT_BRIEFING_PATH.exists() else None
    result = materialize(REPORT_ASSETS, resources={"warehouse": WarehouseResource(path=str(seeded_db))})
    assert result.success
    (event,) = result.get_asset_materialization_events()
    beside = seeded_db.with_name(f"{seeded_db.stem}.briefing.html")
    assert event.materialization.metadata["path"].value == str(beside) and beside.stat().st_size > 5000
    # the project's own page was not touched by a run on another database
    assert (DEFAULT_BRIEFING_PATH.stat().st_mtime_ns if DEFAULT_BRIEFING_PATH.exists() else None) == before


def test_most_named_reads_the_top_of_the_tables_and_agrees_with_the_views(tmp_path):
    """The charts' rows are read from the views for the top companies and markets only (ties at the last
    place included); they must be exactly the first rows of the whole view in its own order."""
    import duckdb

    from newsintel import briefing, models, storage
    con = duckdb.connect(str(tmp_path / "top.duckdb"))
    storage.ensure_schema(con)
    # article counts with ties across the last place, broken by mention counts; one media company on top
    counts = [30, 20, 20] + [10] * briefing.TOP_N + [5] * 5
    n = len(counts)
    storage.insert_rows(con, "companies", [
        dict(company_id=f"c{i:02d}", name=f"Company {i:02d}", kind="media" if i == 0 else "company",
             article_count=c, origin="registry") for i, c in enumerate(counts)] + [
        dict(company_id="silent", name="Silent", kind="company", article_count=0, origin="registry")])
    storage.insert_rows(con, "mentions", [
        dict(article_id=f"a{i}", entity_kind="company", entity_id=f"c{i:02d}", surface="x", count=i % 5 + 1,
             extractor_version="v") for i in range(n)])
    storage.insert_rows(con, "markets", [dict(market_id=f"M{i:02d}", name=f"Market {i:02d}", article_count=n - i // 2)
                                         for i in range(n)])
    models.create_views(con, models.load_models(known_tables=storage.DDL))
    data = briefing._gather(con)
    full = briefing._rows(con, """
        SELECT company_id, name, kind, parent_name, article_count, mention_count, ban_count, deal_count
        FROM company_overview WHERE article_count > 0 AND kind <> 'media'
        ORDER BY article_count DESC, mention_count DESC, name""")
    assert data["companies"][:briefing.TOP_N] == full[:briefing.TOP_N]
    assert len(data["companies"]) < len(full)                   # the rest was not read
    assert data["company_total"] == n
    markets = briefing._rows(con, "SELECT market_id, name, article_count, ban_count, deal_count FROM market_overview "
                                  "WHERE article_count > 0 ORDER BY article_count DESC, name")
    assert data["markets"][:briefing.TOP_N] == markets[:briefing.TOP_N] and data["market_total"] == n
    assert len(data["markets"]) < len(markets)
    con.close()
