"""The sources YAML: valid files load, bad ones fail with a message that names the problem."""
import pytest

from newsintel.sources import SourcesError, load_sources


def _yaml(tmp_path, text):
    p = tmp_path / "sources.yaml"
    p.write_text(text)
    return p


def test_all_kinds_load_with_paths_relative_to_the_yaml(tmp_path):
    srcs = load_sources(_yaml(tmp_path, """
sources:
  - {id: demo, kind: files, path: "demo/**/*"}
  - {id: tc, kind: feed, url: "https://techcrunch.com/feed/"}
  - {id: r, kind: site, url: "https://www.reuters.com/technology/"}
  - {id: picked, kind: urls, urls: ["https://example.com/a.html"], local: true}
"""))
    assert [s.kind for s in srcs] == ["files", "feed", "site", "urls"]
    assert srcs[0].base_dir == tmp_path.resolve()
    assert srcs[3].local is True and srcs[3].urls == ("https://example.com/a.html",)


@pytest.mark.parametrize("body, message", [
    ("sources: [{id: a, kind: ftp, url: 'x'}]", "'kind' must be one of"),
    ("sources: [{id: a, kind: files}]", "needs a 'path'"),
    ("sources: [{id: a, kind: feed, url: 'notaurl'}]", "needs an http(s) 'url'"),
    ("sources: [{id: a, kind: urls, urls: []}]", "non-empty list 'urls'"),
    ("sources: [{id: a, kind: files, path: x}, {id: a, kind: files, path: y}]", "duplicate id"),
    ("sources: [{id: 'bad id', kind: files, path: x}]", "'id' must be"),
    ("nothing: here", "a list 'sources'"),
    ("sources: [unclosed", "not valid YAML"),
])
def test_bad_sources_are_named(tmp_path, body, message):
    with pytest.raises(SourcesError, match=None) as err:
        load_sources(_yaml(tmp_path, body))
    assert message in str(err.value)
    assert "sources.yaml" in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(SourcesError, match="not found"):
        load_sources(tmp_path / "absent.yaml")
