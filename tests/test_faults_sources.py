"""A typo in the sources YAML is an error naming the key and the closest valid one, never ignored."""
import pytest

from newsintel.scrape.limits import Limits
from newsintel.scrape.policy import Policy
from newsintel.sources import SourcesError, load_sources


def _load(tmp_path, body):
    path = tmp_path / "sources.yaml"
    path.write_text(body, encoding="utf-8")
    return load_sources(path)


@pytest.mark.parametrize("entry, message", [
    ("{id: a, kind: urls, urls: ['https://x.example/'], loacl: true}", "unknown key 'loacl'; did you mean 'local'?"),
    ("{id: a, kind: feed, url: 'https://x.example/f', polietness: {}}", "did you mean 'politeness'?"),
    ("{id: a, kind: feed, url: 'https://x.example/f', delay_secs: 2}", "unknown key 'delay_secs'"),
    ("{id: a, kind: files, paht: 'in/*'}", "did you mean 'path'?"),
    ("{id: a, kind: files, path: 'in/*', local: true}", "key 'local' is not used by kind files"),
    ("{id: a, kind: feed, url: 'https://x.example/f', path: 'in/*'}", "key 'path' is not used by kind feed"),
    ("{id: a, kind: files, path: 'in/*', limits: 5}", "'limits' must be a mapping"),
])
def test_unknown_keys_are_errors_that_name_the_closest_valid_key(tmp_path, entry, message):
    with pytest.raises(SourcesError) as err:
        _load(tmp_path, f"sources:\n  - {entry}\n")
    assert message in str(err.value) and "sources.yaml: source #1 (a)" in str(err.value)


def test_unknown_top_level_keys_are_errors(tmp_path):
    with pytest.raises(SourcesError, match="unknown top-level key"):
        _load(tmp_path, "sources: []\nsoruces: []\n")


def test_nested_option_typos_name_the_closest_option(tmp_path):
    (src,) = _load(tmp_path, "sources:\n  - {id: a, kind: urls, urls: ['https://x.example/'], "
                             "politeness: {delay_secs: 1}, limits: {max_word: 10}}\n")
    with pytest.raises(SourcesError, match=r"delay_secs \(did you mean delay_seconds\?\)"):
        Policy.from_source(src)
    with pytest.raises(SourcesError, match=r"max_word \(did you mean max_words\?\)"):
        Limits.from_source(src)


def test_every_valid_key_still_loads(tmp_path):
    srcs = _load(tmp_path, "sources:\n"
                           "  - {id: f, kind: files, path: 'in/*', limits: {max_bytes: 1000, max_words: 10}}\n"
                           "  - {id: w, kind: urls, urls: ['https://x.example/'], local: true, refetch: true, "
                           "politeness: {commit_every: 5}, limits: {max_words: 100}}\n")
    assert Limits.from_source(srcs[0]) == Limits(max_bytes=1000, max_words=10)
    assert Policy.from_source(srcs[1]).commit_every == 5 and srcs[1].local
