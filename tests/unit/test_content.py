from __future__ import annotations

from html.parser import HTMLParser

import pytest

from fedi.activitypub.html import html_to_text, sanitize_html, sanitize_summary, sanitize_text
from fedi.activitypub.text import (
    Mention,
    ResolvedMention,
    extract_hashtags,
    extract_mentions,
    render_plain_text,
)

REL = "nofollow noopener noreferrer"


class _Tree(HTMLParser):
    """Collects (tag, attrs) for every start tag and the concatenated text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> _Tree:
    tree = _Tree()
    tree.feed(html)
    tree.close()
    return tree


def links(html: str) -> list[dict[str, str | None]]:
    return [attrs for tag, attrs in parse(html).tags if tag == "a"]


# --------------------------------------------------------------------------- sanitize_html


@pytest.mark.parametrize("value", [None, "", 0, ["<p>x</p>"]])
def test_sanitize_html_empty_and_non_string(value):
    assert sanitize_html(value) == ""


def test_sanitize_html_keeps_allowed_formatting():
    html = (
        "<p>a<br>b <b>c</b> <strong>d</strong> <i>e</i> <em>f</em> <u>g</u> <del>h</del> "
        "<s>i</s></p><ul><li>j</li></ul><ol><li>k</li></ol><blockquote>l</blockquote>"
        "<pre><code>m</code></pre>"
    )
    assert sanitize_html(html) == html


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>hi<script>alert('x')</script><style>p{color:red}</style>!</p>", "<p>hi!</p>"),
        ('<p onclick="evil()">x<img src="x" onerror="alert(1)">y</p>', "<p>xy</p>"),
        ('<iframe src="https://e.test"><script>alert(1)</script>in</iframe>after', "after"),
        ("<SCRIPT SRC=//e.test/x.js></SCRIPT>ok", "ok"),
    ],
)
def test_sanitize_html_drops_active_content(html, expected):
    assert sanitize_html(html) == expected


def test_sanitize_html_drops_style_class_and_unknown_attributes():
    out = sanitize_html(
        '<p style="position:fixed" class="x" id="y" data-z="1" title="t" lang="en" dir="rtl">x</p>'
    )
    assert out == "<p>x</p>"


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "java&#x09;script:alert(1)",
        " javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "ftp://files.test/x",
        "/relative/path",
        "//evil.test/x",
    ],
)
def test_sanitize_html_removes_unsafe_hrefs(href):
    out = sanitize_html(f'<a href="{href}">click</a>')
    assert links(out) == [{"rel": REL}]
    assert parse(out).text == ["click"]


@pytest.mark.parametrize("href", ["https://ok.test/a?b=1&c=2", "http://ok.test/", "mailto:me@ok.test"])
def test_sanitize_html_keeps_safe_hrefs_and_adds_rel(href):
    out = sanitize_html(f'<a href="{href.replace("&", "&amp;")}" target="_blank" rel="me">x</a>')
    assert links(out) == [{"href": href, "rel": REL}]


def test_sanitize_html_rel_replaces_remote_rel():
    out = sanitize_html('<a href="https://x.test" rel="opener">x</a>')
    assert out == f'<a href="https://x.test" rel="{REL}">x</a>'


def test_sanitize_html_keeps_only_mastodon_classes():
    html = (
        '<p><span class="h-card"><a href="https://m.test/@bob" class="u-url mention evil">'
        '@<span>bob</span></a></span> <a href="https://m.test/tags/x" class="mention hashtag" '
        'rel="tag">#<span>x</span></a> <a href="https://long.test/"><span class="invisible">'
        'https://</span><span class="ellipsis big">long.test</span></a></p>'
    )
    tags = parse(sanitize_html(html)).tags
    classes = [attrs.get("class") for _, attrs in tags if attrs.get("class")]
    assert classes == ["h-card", "u-url mention", "mention hashtag", "invisible", "ellipsis"]
    assert all(tag != "p" or not attrs for tag, attrs in tags)


def test_sanitize_html_class_not_allowed_on_other_elements():
    assert sanitize_html('<p class="mention">x</p>') == "<p>x</p>"


def test_sanitize_html_unknown_tags_unwrapped_keeping_text():
    assert sanitize_html("<div><h1>Title</h1><marquee>hey</marquee></div>") == "Titlehey"


def test_sanitize_html_balances_nested_and_unclosed_tags():
    out = sanitize_html("<b>bold <i>both</b> after")
    tree = parse(out)
    assert "".join(tree.text) == "bold both after"
    assert out.count("<b>") == out.count("</b>")
    assert out.count("<i>") == out.count("</i>")


def test_sanitize_html_unterminated_attribute_does_not_leak_markup():
    out = sanitize_html('<a href="https://x.test/" onmouseover="alert(1)>x</a>')
    assert "onmouseover" not in out and "alert" not in out


def test_sanitize_html_comments_and_svg_removed():
    out = sanitize_html("a<!-- <script>x</script> -->b<svg><script>alert(1)</script></svg>c")
    assert out == "abc"


def test_sanitize_html_entities_and_escaping():
    out = sanitize_html("<p>1 &lt; 2 &amp;&amp; 3 &gt; 2 &#128512; &quot;q&quot; <3</p>")
    assert "".join(parse(out).text) == '1 < 2 && 3 > 2 \U0001F600 "q" <3'
    assert "<3" not in out


def test_sanitize_html_escapes_angle_brackets_in_href():
    out = sanitize_html('<a href="https://x.test/?q=&quot;&gt;&lt;script&gt;">x</a>')
    assert "<script" not in out
    assert out == (
        '<a href="https://x.test/?q=&quot;&gt;&lt;script&gt;" rel="nofollow noopener noreferrer">'
        "x</a>"
    )


# --------------------------------------------------------------------------- plain text helpers


def test_sanitize_text_strips_tags_and_keeps_text():
    assert sanitize_text("<b>Alice</b> <i>Smith</i>") == "Alice Smith"


def test_sanitize_text_drops_script_content():
    assert sanitize_text("Eve<script>alert(1)</script><style>x</style>") == "Eve"


def test_sanitize_text_returns_unescaped_text():
    assert sanitize_text("Tom &amp; Jerry &lt;3 &quot;x&quot;") == 'Tom & Jerry <3 "x"'
    assert sanitize_text("I <3 cats & dogs") == "I <3 cats & dogs"


def test_sanitize_text_whitespace_and_controls():
    assert sanitize_text("  a\n\n\tb\r\nc\u00a0 d  ") == "a b c d"
    assert sanitize_text("bad\x00na\x07me\x1b[31m\u202eevil\u2066") == "badname[31mevil"


def test_sanitize_text_truncates():
    assert sanitize_text("x" * 150) == "x" * 100
    assert sanitize_text("abcdef", max_len=3) == "abc"
    assert sanitize_text("ab   cd", max_len=3) == "ab"
    assert sanitize_text("\U0001F600" * 5, max_len=2) == "\U0001F600" * 2


@pytest.mark.parametrize("value", [None, "", "   ", "<b></b>"])
def test_sanitize_text_empty(value):
    assert sanitize_text(value) == ""


def test_sanitize_summary():
    assert sanitize_summary("<p>CW: <b>spoilers</b></p>") == "CW: spoilers"
    assert len(sanitize_summary("y" * 900)) == 500
    assert sanitize_summary(None) == ""


def test_html_to_text_structure():
    html = (
        "<p>Hello <b>world</b></p>\n<p>second   line<br>third &amp; &lt;x&gt;</p>"
        "<ul><li>one</li><li>two</li></ul>a<br><br>b"
    )
    assert html_to_text(html) == "Hello world\n\nsecond line\nthird & <x>\n\none\ntwo\n\na\n\nb"


def test_html_to_text_drops_script_and_keeps_link_text():
    html = (
        '<p><a href="https://m.test/@a" class="u-url mention">@<span>a</span></a> see '
        '<a href="https://example.com/x"><span class="invisible">https://</span>'
        '<span class="ellipsis">example.com</span><span class="invisible">/x</span></a>'
        "<script>alert(1)</script></p>"
    )
    assert html_to_text(html) == "@a see https://example.com/x"


def test_html_to_text_ignores_attributes():
    assert html_to_text('<p title="a>b" lang="en">x</p><p class="y">z</p>') == "x\n\nz"


def test_html_to_text_preserves_pre_newlines():
    assert html_to_text("<pre>a\n  b</pre><p>c</p>") == "a\n  b\n\nc"


@pytest.mark.parametrize("value", [None, "", "<p></p>", "<script>x</script>"])
def test_html_to_text_empty(value):
    assert html_to_text(value) == ""


# --------------------------------------------------------------------------- extraction


def test_extract_mentions_local_and_remote():
    assert extract_mentions("hi @alice and @Bob@Pro.Test!") == [
        Mention("alice", None, "@alice"),
        Mention("Bob", "pro.test", "@Bob@Pro.Test"),
    ]


def test_extract_mentions_ports():
    assert extract_mentions("@bob@localhost:8301, @eve@pro.test:443: hi @x@h:99999") == [
        Mention("bob", "localhost:8301", "@bob@localhost:8301"),
        Mention("eve", "pro.test:443", "@eve@pro.test:443"),
        Mention("x", "h", "@x@h"),
    ]


def test_extract_mentions_ignores_emails():
    assert extract_mentions("mail a@b.c or bob@example.com or first.last@x.test") == []


def test_extract_mentions_ignores_urls():
    text = "https://m.test/@bob https://x.test/a?u=@eve&v=1 https://x.test/-@carol http://u@x.test/"
    assert extract_mentions(text) == []


def test_extract_mentions_dedup_case_insensitive_in_order():
    got = extract_mentions("@Bob @carol @bob @bob@x.test @BOB@X.TEST @carol")
    assert [m.text for m in got] == ["@Bob", "@carol", "@bob@x.test"]


def test_extract_mentions_punctuation_boundaries():
    got = extract_mentions("(@dan) @erin. @frank_, @g.h-i: @-no @x@host.test.")
    assert [(m.username, m.host) for m in got] == [
        ("dan", None), ("erin", None), ("frank_", None), ("g.h-i", None), ("x", "host.test"),
    ]


def test_extract_mentions_not_glued_to_word_or_unicode():
    assert extract_mentions("foo@bar @bobé =@x /@y") == []


def test_extract_hashtags_basic_and_dedup():
    assert extract_hashtags("#Foo and #foo and #FOO plus #bar_baz #a1") == ["Foo", "bar_baz", "a1"]


def test_extract_hashtags_rejects_digits_word_prefix_and_urls():
    text = "#123 #2024 a#b https://x.test/p#frag https://x.test/#tag path/#x a=#y ok #real"
    assert extract_hashtags(text) == ["real"]


def test_extract_hashtags_unicode():
    text = "#日本語 #café. #हिन्दी #Ελληνικά, #catalan·la #موسیقی"
    assert extract_hashtags(text) == ["日本語", "café", "हिन्दी", "Ελληνικά", "catalan·la", "موسیقی"]


def test_extract_hashtags_boundaries():
    got = extract_hashtags("(#one) #two! #three, ##four #five#six")
    assert got == ["one", "two", "three", "four", "five"]
    assert extract_mentions("") == [] and extract_hashtags("") == []


# --------------------------------------------------------------------------- render


BOB = ResolvedMention("https://local.test/users/bob", "https://local.test/@bob", "bob")
REMOTE = ResolvedMention("https://pro.test/users/Zed", "https://pro.test/@Zed", "Zed@pro.test")
MENTIONS = {("bob", None): BOB, ("zed", "pro.test"): REMOTE}


def tag_url(tag: str) -> str:
    return f"https://local.test/tags/{tag.lower()}"


def render(text: str) -> str:
    return render_plain_text(text, mentions=MENTIONS, tag_url=tag_url)


def test_render_paragraphs_and_line_breaks():
    assert render("one\ntwo\n\n\nthree\r\n\r\nfour  \n  \nfive") == (
        "<p>one<br>two</p><p>three</p><p>four</p><p>five</p>"
    )


def test_render_empty():
    assert render("") == "" and render(" \n\n ") == ""


def test_render_escapes_markup():
    out = render('<script>alert("x")</script> & \'q\' <b>bold</b>')
    assert out == (
        "<p>&lt;script&gt;alert(\"x\")&lt;/script&gt; &amp; 'q' &lt;b&gt;bold&lt;/b&gt;</p>"
    )
    assert "".join(parse(out).text) == '<script>alert("x")</script> & \'q\' <b>bold</b>'


def test_render_escapes_entities_literally():
    out = render("&amp; &lt; &#39;")
    assert out == "<p>&amp;amp; &amp;lt; &amp;#39;</p>"


def test_render_mentions():
    out = render("hi @Bob and @zed@Pro.Test and @nobody@else.test")
    assert out == (
        '<p>hi <span class="h-card"><a href="https://local.test/@bob" class="u-url mention">'
        '@<span>bob</span></a></span> and <span class="h-card"><a href="https://pro.test/@Zed" '
        'class="u-url mention">@<span>Zed</span></a></span> and @nobody@else.test</p>'
    )


def test_render_mention_href_is_escaped():
    evil = ResolvedMention("x", 'https://e.test/"><script>', "evil")
    out = render_plain_text("@evil", mentions={("evil", None): evil}, tag_url=tag_url)
    assert "<script>" not in out
    assert links(out)[0]["href"] == 'https://e.test/"><script>'


def test_render_hashtags():
    out = render("#Fedi and #日本語")
    assert out == (
        '<p><a href="https://local.test/tags/fedi" class="mention hashtag" rel="tag">#<span>Fedi'
        '</span></a> and <a href="https://local.test/tags/日本語" class="mention hashtag" '
        'rel="tag">#<span>日本語</span></a></p>'
    )


def test_render_url_with_query_escaped_once():
    out = render("see https://ex.test/a?b=1&c=<2>&d=\"3\" now")
    assert out == (
        '<p>see <a href="https://ex.test/a?b=1&amp;c=" rel="nofollow noopener noreferrer" '
        'target="_blank">https://ex.test/a?b=1&amp;c=</a>&lt;2&gt;&amp;d="3" now</p>'
    )
    assert links(out) == [{"href": "https://ex.test/a?b=1&c=", "rel": REL, "target": "_blank"}]


def test_render_url_trailing_punctuation_and_parens():
    out = render(
        "a https://x.test/p?q=1&r=2#frag, (https://en.wikipedia.org/wiki/Foo_(bar)). "
        "<https://z.test/>"
    )
    assert [a["href"] for a in links(out)] == [
        "https://x.test/p?q=1&r=2#frag",
        "https://en.wikipedia.org/wiki/Foo_(bar)",
        "https://z.test/",
    ]
    assert "".join(parse(out).text) == (
        "a https://x.test/p?q=1&r=2#frag, (https://en.wikipedia.org/wiki/Foo_(bar)). "
        "<https://z.test/>"
    )


def test_render_no_mentions_or_tags_inside_urls():
    out = render("https://m.test/@bob#fedi and https://x.test/?u=@zed@pro.test")
    assert [a.get("class") for a in links(out)] == [None, None]
    assert [a["href"] for a in links(out)] == [
        "https://m.test/@bob#fedi",
        "https://x.test/?u=@zed@pro.test",
    ]


def test_render_does_not_linkify_bare_domains_or_emails():
    out = render("example.com me@example.com @nobody@example.com")
    assert out == "<p>example.com me@example.com @nobody@example.com</p>"


def test_render_structure_mixed():
    out = render("@bob look: https://a.test/x #Tag\nbye")
    tree = parse(out)
    assert [t for t, _ in tree.tags] == ["p", "span", "a", "span", "a", "a", "span", "br"]
    assert "".join(tree.text) == "@bob look: https://a.test/x #Tagbye"


def test_render_round_trips_through_sanitizer():
    out = render("@bob @zed@pro.test see https://ex.test/?a=1&b=2 #Tag\n\nbye <i>")
    clean = sanitize_html(out)
    assert [a["href"] for a in links(clean)] == [a["href"] for a in links(out)]
    assert all(a["rel"] == REL for a in links(clean))
    assert "".join(parse(clean).text) == "".join(parse(out).text)
    classes = [a.get("class") for a in links(clean)]
    assert classes == ["u-url mention", "u-url mention", None, "mention hashtag"]
    assert html_to_text(clean) == "@bob @Zed see https://ex.test/?a=1&b=2 #Tag\n\nbye <i>"
