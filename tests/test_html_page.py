"""parse_html on small but realistic pages: clutter out, article and metadata in.

Self-contained on purpose: the benchmark pages live outside the repo and are
scored by bench/bench_clean.py instead.
"""
from __future__ import annotations

import random
import time
import unicodedata
from dataclasses import FrozenInstanceError
from datetime import datetime

import pytest

from newsintel.clean.html_page import ParsedPage, parse_html

ARTICLE_PARAS = [
    "Acme Industries agreed on Tuesday to buy Borealis Logistics for $2.4 billion in cash, "
    "the largest deal in the freight software sector this year, the companies said.",
    "The purchase values Borealis at 31 times its expected earnings, a premium that analysts "
    "said reflected the scarcity of profitable logistics platforms of its size.",
    "Shares of Acme rose 4 per cent in early trading in New York, while Borealis stock, "
    "listed in Toronto, jumped 22 per cent to a record high.",
    "Chief executive Maria Lindqvist told analysts on a call that the combined company would "
    "cut overlapping costs of about $150 million a year by the end of 2026.",
    "The deal still needs approval from competition regulators in the United States and the "
    "European Union, which the companies expect to receive in the first half of next year.",
]

CLUTTER = {
    "nav": "Markets Companies Technology Opinion Subscribe",
    "cookie": "We use cookies to improve your experience. Accept all cookies",
    "share": "Share on Facebook Share on Twitter Copy link",
    "related": "Related: Rival bid for Borealis rejected last month",
    "comments": "Great news for shareholders, I bought more today!",
    "footer": "Copyright 2024 Example Media Group. All rights reserved. Privacy policy",
    "newsletter": "Sign up for our morning newsletter to get the top stories",
}


def news_page(head_extra: str = "", article_extra: str = "", lang_attr: str = ' lang="en-US"',
              byline: str = "", paras=ARTICLE_PARAS, title: str = "Acme to buy Borealis for $2.4bn") -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paras)
    return f"""<!DOCTYPE html>
<html{lang_attr}>
<head>
<meta charset="utf-8">
<title>{title} | Example Business News</title>
<meta property="og:site_name" content="Example Business News">
{head_extra}
</head>
<body>
<div id="cookie-banner" class="cookie-consent"><p>{CLUTTER['cookie']}</p><button>Accept</button></div>
<header class="site-header"><nav class="main-nav"><ul>
  <li><a href="/markets">Markets</a></li><li><a href="/companies">Companies</a></li>
  <li><a href="/tech">Technology</a></li><li><a href="/opinion">Opinion</a></li>
  <li><a href="/subscribe">Subscribe</a></li></ul></nav></header>
<main>
<article class="article">
  <h1 class="headline">{title}</h1>
  {byline}
  <div class="share-tools social-share"><a href="#">Share on Facebook</a> <a href="#">Share on Twitter</a>
    <a href="#">Copy link</a></div>
  <div class="article-body">
  {body}
  {article_extra}
  </div>
</article>
<aside class="related-articles"><h3>Related</h3><ul>
  <li><a href="/a/1">{CLUTTER['related']}</a></li>
  <li><a href="/a/2">Acme posts record quarter as freight demand recovers</a></li>
  <li><a href="/a/3">Five logistics stocks to watch in 2025</a></li></ul></aside>
<section id="comments" class="comments"><h3>Comments</h3>
  <div class="comment"><p class="comment-body">{CLUTTER['comments']}</p></div>
  <div class="comment"><p class="comment-body">Regulators will never allow this.</p></div>
</section>
</main>
<footer class="site-footer"><p>{CLUTTER['footer']}</p>
<div class="newsletter-signup"><p>{CLUTTER['newsletter']}</p><input type="email"></div></footer>
</body></html>"""


def assert_clean_article(page: ParsedPage, paras=ARTICLE_PARAS) -> None:
    for p in paras:
        assert p in page.text, p
    for name, junk in CLUTTER.items():
        assert junk not in page.text, name
    # one paragraph per block, separated by a blank line
    assert page.text.split("\n\n") == [p for p in paras]


# ------------------------------------------------------------------- body

def test_body_drops_nav_cookie_share_related_comments_footer():
    page = parse_html(news_page(), "https://news.example.com/deals/acme-borealis")
    assert isinstance(page, ParsedPage)
    assert_clean_article(page)


def test_inline_boilerplate_lines_and_captions_are_removed():
    extra = """
      <p><strong>Also read:</strong> <a href="/x">Borealis founder steps back from daily role</a></p>
      <figure><img src="/ceo.jpg" alt="Maria Lindqvist">
        <figcaption>Maria Lindqvist at the company's headquarters. Photo: Jane Doe/Example</figcaption></figure>
      <p>Read more: <a href="/y">Why freight software is hot again</a></p>
      <div class="newsletter-inline"><p>Get the Deals newsletter delivered to your inbox every morning.</p></div>
    """
    page = parse_html(news_page(article_extra=extra), "https://news.example.com/deals/acme-borealis")
    assert_clean_article(page)
    for junk in ("Also read", "Borealis founder steps back", "Photo: Jane Doe", "Read more",
                 "Deals newsletter"):
        assert junk not in page.text, junk


@pytest.mark.parametrize("line, junk", [
    ("Read more: Alibaba poised to launch record-breaking Hong Kong listing", True),
    ("ALSO READ | Tencent profit falls as Alibaba threat weighs", True),
    ("Читайте также: Северсталь повысила дивиденды", True),
    ("Advertisement", True),
    ("Whatsapp Facebook Pint Baixar", True),
    ("Get the day's top headlines delivered to your inbox every morning.", True),
    ("Copyright 2019 The Associated Press. All rights reserved.", True),
    ("(Reporting by Jane Doe; Editing by Tom Brown)", True),
    ("Write to Al Root at allen.root@dowjones.com", True),
    ("By Jane Doe and Ravi Patel, Reuters", True),
    ("The CEO at the company's headquarters in Zurich. (Photo: Jane Doe/AFP)", True),
    ("China deploys troops in Hong Kong [VIDEO]", True),
    # real sentences that share words with the patterns
    ("Copyright law experts said the ruling would reshape how AI firms license news archives.", False),
    ("Substack said its paid newsletters now reach more than a million subscribers.", False),
    ("Subscribers to the service grew 12 percent in the quarter.", False),
    ("By the end of the year, Acme expects to open 40 stores.", False),
    ("Related party transactions rose to $40 million, the filing shows.", False),
    ("Read the full filing for the details, analysts said on Tuesday.", False),
])
def test_line_filter(line, junk):
    from newsintel.clean._boiler import is_boilerplate
    assert is_boilerplate(line) is junk


def test_text_is_nfc_and_whitespace_is_normalised():
    paras = list(ARTICLE_PARAS)
    # decomposed accents, a no-break space, a zero-width space and a soft hyphen
    paras[0] = ("Cafe\u0301 Ze\u0301nith SA, the Zu\u0308rich\u00a0roaster, said re\u200bvenue rose "
                "13 per cent, beating the con\u00adsensus of analysts polled by the company itself.")
    page = parse_html(news_page(paras=paras))
    first = page.text.split("\n\n")[0]
    assert first == unicodedata.normalize("NFC", "Café Zénith SA, the Zürich roaster, said revenue rose "
                                                 "13 per cent, beating the consensus of analysts polled "
                                                 "by the company itself.")
    assert unicodedata.is_normalized("NFC", page.text)


# --------------------------------------------------------------- metadata

def test_jsonld_graph_gives_title_authors_date_and_canonical():
    head = """
<link rel="canonical" href="/deals/2024/acme-borealis">
<script type="application/ld+json">
{"@context": "https://schema.org", "@graph": [
  {"@type": "WebSite", "name": "Example Business News", "url": "https://news.example.com/"},
  {"@type": "NewsArticle", "headline": "Acme to buy Borealis for $2.4bn",
   "datePublished": "2024-03-05T08:30:00+01:00", "dateModified": "2024-03-06T10:00:00+01:00",
   "author": [{"@type": "Person", "name": "Jane Doe"}, {"@type": "Person", "name": "Ravi Patel"}],
   "publisher": {"@type": "Organization", "name": "Example Business News"}}
]}
</script>"""
    page = parse_html(news_page(head_extra=head), "https://news.example.com/deals/acme-borealis?utm=x")
    assert page.title == "Acme to buy Borealis for $2.4bn"
    assert page.authors == ("Jane Doe", "Ravi Patel")
    assert page.published_at == datetime(2024, 3, 5, 7, 30)   # 08:30+01:00 as naive UTC
    assert page.published_at.tzinfo is None
    assert page.canonical_url == "https://news.example.com/deals/2024/acme-borealis"
    assert page.language == "en"
    assert_clean_article(page)


def test_open_graph_and_parsely_metas():
    head = """
<meta property="og:title" content="Acme to buy Borealis for $2.4bn - Example Business News">
<meta property="og:url" content="https://news.example.com/deals/acme-borealis">
<meta property="article:published_time" content="2024-03-05T14:02:11Z">
<meta name="parsely-author" content="By Jane Doe">
<meta name="parsely-author" content="Ravi Patel">"""
    page = parse_html(news_page(head_extra=head))
    assert page.title == "Acme to buy Borealis for $2.4bn"
    assert page.authors == ("Jane Doe", "Ravi Patel")
    assert page.published_at == datetime(2024, 3, 5, 14, 2, 11)
    assert page.canonical_url == "https://news.example.com/deals/acme-borealis"


def test_canonical_pointing_at_home_page_is_ignored():
    head = """<link rel="canonical" href="https://news.example.com/">
<meta property="og:url" content="https://news.example.com/deals/acme-borealis">"""
    page = parse_html(news_page(head_extra=head), "https://news.example.com/deals/acme-borealis?ref=rss")
    assert page.canonical_url == "https://news.example.com/deals/acme-borealis"
    page = parse_html(news_page(head_extra='<link rel="canonical" href="/deals/acme-borealis">'))
    assert page.canonical_url is None  # relative, and no page URL to resolve it against


def test_time_element_and_byline_when_no_metas():
    byline = """<div class="byline">By <a rel="author" href="/staff/jdoe">Jane Doe</a> and
      <a rel="author" href="/staff/rpatel">Ravi Patel</a>
      <time datetime="2024-03-05T09:15:00-05:00" class="published">March 5, 2024</time></div>"""
    page = parse_html(news_page(byline=byline), "https://news.example.com/deals/acme-borealis")
    assert page.published_at == datetime(2024, 3, 5, 14, 15)
    assert page.authors == ("Jane Doe", "Ravi Patel")
    assert "March 5, 2024" not in page.text
    assert_clean_article(page)


def test_date_from_url_path_when_page_has_none():
    page = parse_html(news_page(), "https://news.example.com/2020/08/03/acme-to-buy-borealis/")
    assert page.published_at == datetime(2020, 8, 3)
    page = parse_html(news_page(), "https://news.example.com/business/acme-to-buy-borealis")
    assert page.published_at is None


def test_sailthru_date_with_us_zone_abbreviation():
    head = '<meta name="sailthru.date" content="Tue, 05 Mar 2024 09:15:00 EST">'
    page = parse_html(news_page(head_extra=head))
    assert page.published_at == datetime(2024, 3, 5, 14, 15)


def test_html_lang_wins_and_is_reduced_to_iso_639_1():
    assert parse_html(news_page(lang_attr=' lang="en-GB"')).language == "en"
    assert parse_html(news_page(lang_attr=' xml:lang="en"')).language == "en"


def test_language_detected_when_not_declared():
    page = parse_html(news_page(lang_attr=""))
    assert page.language == "en"


RU_PARAS = [
    "Компания «Северсталь» в среду объявила о покупке сети металлобаз в Поволжье за 12 млрд рублей, "
    "сообщила пресс-служба холдинга.",
    "Сделка станет крупнейшей в отрасли с начала года: по оценке аналитиков, она позволит компании "
    "увеличить долю на внутреннем рынке до 18 процентов.",
    "Акции «Северстали» на Московской бирже выросли на 3,5 процента к закрытию торгов.",
    "Завершить сделку планируется до конца второго квартала после одобрения антимонопольной службы.",
]


def test_windows_1251_page_decoded_by_caller():
    html = f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">
<title>Северсталь купит сеть металлобаз — Деловые новости</title>
<meta name="author" content="Иван Петров">
<meta name="pubdate" content="2023-11-15 10:30">
</head><body>
<div class="menu"><a href="/">Главная</a> | <a href="/biz">Бизнес</a> | <a href="/fin">Финансы</a></div>
<div class="article"><h1>Северсталь купит сеть металлобаз</h1>
{''.join(f'<p>{p}</p>' for p in RU_PARAS)}
</div>
<div class="footer">© 2023 Деловые новости. Все права защищены.</div>
</body></html>"""
    raw = html.encode("windows-1251")
    page = parse_html(raw.decode("windows-1251"), "https://biz.example.ru/news/severstal")
    assert page.text.split("\n\n") == RU_PARAS
    assert page.language == "ru"
    assert page.title == "Северсталь купит сеть металлобаз"
    assert page.authors == ("Иван Петров",)
    assert page.published_at == datetime(2023, 11, 15, 10, 30)
    # undecoded bytes are tolerated too (the declared charset is honoured)
    assert parse_html(raw).text == page.text  # type: ignore[arg-type]


def test_declared_language_is_checked_against_the_text():
    # an English article under a template copied from the German edition
    page = parse_html(news_page(lang_attr=' lang="de"'))
    assert page.language == "en"
    german = [
        "Der Maschinenbauer Voith hat im vergangenen Geschäftsjahr deutlich mehr verdient und "
        "erhöht die Dividende für seine Aktionäre, wie das Unternehmen am Dienstag mitteilte.",
        "Der Umsatz stieg um sieben Prozent auf 5,5 Milliarden Euro, getrieben vor allem durch "
        "die starke Nachfrage nach Papiermaschinen und Antriebstechnik aus Asien.",
        "Für das laufende Jahr rechnet der Vorstand mit einem leichten Rückgang des Auftragseingangs, "
        "weil sich die Konjunktur in Europa weiter abkühlt.",
    ]
    page = parse_html(news_page(lang_attr=' lang="en"', paras=german, title="Voith erhöht Dividende"))
    assert page.language == "de"
    assert page.text.split("\n\n") == german


def test_headline_glued_to_first_paragraph_is_cut():
    paras = list(ARTICLE_PARAS)
    glued = ["Acme to buy Borealis for $2.4bn" + paras[0]] + paras[1:]
    html = news_page(paras=glued).replace('<h1 class="headline">Acme to buy Borealis for $2.4bn</h1>', "")
    page = parse_html(html)
    assert page.text.split("\n\n") == paras


def test_wire_services_and_site_names_are_not_authors():
    head = """
<meta name="author" content="Reuters">
<script type="application/ld+json">
{"@type": "NewsArticle", "headline": "Acme to buy Borealis for $2.4bn",
 "author": [{"@type": "Person", "name": "Jane Doe, RDN"},
            {"@type": "Organization", "name": "Example Business News"},
            {"@type": "Person", "name": "Example Business News"}]}
</script>"""
    page = parse_html(news_page(head_extra=head), "https://www.examplebusinessnews.com/a/1")
    assert page.authors == ("Jane Doe",)
    page = parse_html(news_page(head_extra='<meta name="author" content="PTI">'))
    assert page.authors == ()


def test_dates_from_claimreview_jsonld_and_month_name_urls():
    head = """<script type="application/ld+json">
{"@context": "http://schema.org", "@type": "ClaimReview", "datePublished": "2019-11-18T10:15:00+00:00"}
</script>"""
    assert parse_html(news_page(head_extra=head)).published_at == datetime(2019, 11, 18, 10, 15)
    page = parse_html(news_page(), "https://www.example.org/business/2019/nov/18/acme-borealis")
    assert page.published_at == datetime(2019, 11, 18)


def test_merge_keeps_agreed_text_and_repairs_a_truncated_base():
    from newsintel.clean._body import merge

    article = ARTICLE_PARAS + [
        "Borealis was founded in Calgary in 2009 and now employs about 1,800 people on three continents.",
        "Its software schedules trucks, rail cars and warehouse staff for more than 400 shippers.",
        "Lindqvist said Borealis would keep its brand and its headquarters after the deal closes.",
    ]
    comments = ["Great article, thanks for sharing this with all of us here today!",
                "I disagree with every single word of this, the deal is bad."]
    # base has the article plus comments; the precision run and readability only the article
    assert merge(article + comments, article, article) == article
    # base stopped halfway; readability has the whole article: the rest is put back, in order
    assert merge(article[:3], article[:3], article) == article
    # readability picked some other block entirely: it does not get to add anything
    other = [f"Unrelated teaser number {i} about something else entirely, clearly not this story." for i in range(9)]
    assert merge(article[:3], article[:3], other) == article[:3]


# --------------------------------------------------------------- bad input

EMPTY = ParsedPage(text="", title=None, authors=(), published_at=None, language=None, canonical_url=None)


@pytest.mark.parametrize("html", ["", "   \n\t", "<html></html>", "<html><body></body></html>",
                                  "just some words, no markup", "<<<>>>", "\x00\x00\x00"])
def test_empty_and_trivial_pages_give_empty_result(html):
    page = parse_html(html)
    assert page.text == ""
    assert page.published_at is None and page.canonical_url is None


def test_garbage_bytes_never_raise():
    rng = random.Random(1234)
    for _ in range(20):
        junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 5000)))
        for candidate in (junk.decode("latin-1"), junk.decode("utf-8", errors="replace"), junk):
            page = parse_html(candidate)  # type: ignore[arg-type]
            assert isinstance(page, ParsedPage)
    assert parse_html(None) == EMPTY  # type: ignore[arg-type]
    assert parse_html(12345) == EMPTY  # type: ignore[arg-type]


def test_xml_declaration_and_odd_markup_tolerated():
    html = '<?xml version="1.0" encoding="utf-8"?>\n' + news_page()
    assert_clean_article(parse_html(html))
    broken = news_page().replace("</p>", "").replace("</div>", "")[:-200]
    page = parse_html(broken)
    assert ARTICLE_PARAS[0] in page.text


def test_huge_page_is_handled_quickly():
    filler = "<div class='ad'><a href='/x'>Sponsored link</a></div>\n" * 60_000
    html = news_page(article_extra="").replace("<main>", "<main>" + filler)
    start = time.perf_counter()
    page = parse_html(html)
    assert time.perf_counter() - start < 30
    assert ARTICLE_PARAS[0] in page.text


def test_result_is_frozen():
    page = parse_html(news_page())
    with pytest.raises(FrozenInstanceError):
        page.text = "x"  # type: ignore[misc]
