"""A typo in the sources YAML is an error naming the key and the closest valid one, never ignored."""
import pytest

from newsintel.scrape.limits import Limits
from newsintel.scrape.options import load_checked_sources as load_sources
from newsintel.scrape.policy import Policy
from newsintel.sources import SourcesError


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


def test_nested_option_typos_name_the_closest_option_when_the_file_is_loaded(tmp_path):
    with pytest.raises(SourcesError, match=r"source #1 \(a\): unknown politeness option\(s\) delay_secs "
                                           r"\(did you mean delay_seconds\?\)"):
        _load(tmp_path, "sources:\n  - {id: a, kind: urls, urls: ['https://x.example/'], "
                        "politeness: {delay_secs: 1}}\n")
    with pytest.raises(SourcesError, match=r"max_word \(did you mean max_words\?\)"):
        _load(tmp_path, "sources:\n  - {id: a, kind: urls, urls: ['https://x.example/'], limits: {max_word: 10}}\n")


def test_every_valid_key_still_loads(tmp_path):
    srcs = _load(tmp_path, "sources:\n"
                           "  - {id: f, kind: files, path: 'in/*', limits: {max_bytes: 1000, max_words: 10}}\n"
                           "  - {id: w, kind: urls, urls: ['https://x.example/'], local: true, refetch: true, "
                           "politeness: {commit_every: 5}, limits: {max_words: 100}}\n")
    assert Limits.from_source(srcs[0]) == Limits(max_bytes=1000, max_words=10)
    assert Policy.from_source(srcs[1]).commit_every == 5 and srcs[1].local


@pytest.mark.parametrize("option, value", [
    ("local", '"false"'), ("local", '"no"'), ("local", "1"), ("refetch", '"false"'), ("refetch", '"true"'),
])
def test_booleans_are_yaml_booleans_and_a_quoted_false_is_an_error(tmp_path, option, value):
    with pytest.raises(SourcesError) as err:      # before: "false" was truthy and switched loopback on
        _load(tmp_path, f"sources:\n  - {{id: a, kind: urls, urls: ['http://127.0.0.1:1/'], {option}: {value}}}\n")
    assert f"source #1 (a): '{option}' must be true or false" in str(err.value)


@pytest.mark.parametrize("section, option, value, message", [
    ("politeness", "delay_seconds", ".nan", "must be a finite number"),
    ("politeness", "total_timeout_seconds", ".inf", "must be a finite number"),
    ("politeness", "delay_seconds", "1.0e+300", "must be a finite number of at most"),
    ("politeness", "max_attempts", "true", "must be a whole number"),
    ("politeness", "max_attempts", "2.5", "must be a whole number"),
    ("politeness", "workers", "'4'", "must be a whole number"),
    ("politeness", "delay_seconds", "'1'", "must be a number"),
    ("politeness", "timeout_seconds", "0", "must be more than 0"),
    ("politeness", "max_bytes", "0", "must be at least 1"),
    ("politeness", "retry_base_minutes", "-1", "must not be negative"),
    ("politeness", "user_agent", "5", "must be a non-empty string"),
    ("limits", "max_words", "true", "must be a whole number"),
    ("limits", "max_bytes", "1e400", "must be a whole number"),
])
def test_numbers_are_finite_and_in_range_for_politeness_as_for_limits(tmp_path, section, option, value, message):
    with pytest.raises(SourcesError) as err:
        _load(tmp_path, f"sources:\n  - {{id: a, kind: feed, url: 'https://x.example/f', "
                        f"{section}: {{{option}: {value}}}}}\n")
    assert f"source #1 (a): {section}.{option} {message}" in str(err.value)


def test_valid_numbers_keep_their_kind(tmp_path):
    (src,) = _load(tmp_path, "sources:\n  - {id: a, kind: feed, url: 'https://x.example/f', "
                             "politeness: {delay_seconds: 2, total_timeout_seconds: 0.5, max_attempts: 4}}\n")
    policy = Policy.from_source(src)
    assert policy.delay_seconds == 2.0 and isinstance(policy.delay_seconds, float)
    assert policy.total_timeout_seconds == 0.5 and policy.max_attempts == 4
