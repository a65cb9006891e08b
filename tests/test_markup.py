from report.markup import Citation, LineBreak, ListBlock, Paragraph, Run, citations, parse


def test_paragraphs_are_separated_by_a_blank_line_and_every_newline_is_a_line_break():
    assert parse("First line\nsecond line\n\nNext paragraph") == (
        Paragraph((Run("First line"), LineBreak(), Run("second line"))),
        Paragraph((Run("Next paragraph"),)),
    )


def test_emphasis_and_strong():
    assert parse("a *b* **c** ***d***") == (Paragraph((
        Run("a "), Run("b", italic=True), Run(" "), Run("c", bold=True), Run(" "), Run("d", italic=True, bold=True))),)


def test_bulleted_numbered_and_nested_lists():
    blocks = parse("- one\n- two\n  1. nested\n\n3. three\n4. four")
    assert blocks == (
        ListBlock(((Paragraph((Run("one"),)),),
                   (Paragraph((Run("two"),)), ListBlock(((Paragraph((Run("nested"),)),),), ordered=True))), ordered=False),
        ListBlock(((Paragraph((Run("three"),)),), (Paragraph((Run("four"),)),)), ordered=True, start=3),
    )


def test_pandoc_citations_bracketed_with_locators_and_in_text():
    (paragraph,) = parse("Growth [@zhang2024; @wang2021, p. 5]. As @smith:2020-a argues, [@b].")
    assert paragraph.inlines == (
        Run("Growth "), Citation(("zhang2024", "wang2021"), ("", "p. 5")), Run(". As "),
        Citation(("smith:2020-a",), ("",), in_text=True), Run(" argues, "), Citation(("b",), ("",)), Run("."))


def test_citations_are_collected_in_reading_order_from_lists_too():
    blocks = parse("[@a]\n\n- item @b\n- [@c; @d]")
    assert [c.keys for c in citations(blocks)] == [("a",), ("b",), ("c", "d")]


def test_text_that_is_not_a_citation_stays_literal():
    (paragraph,) = parse("mail a@b.com, [see p. 5], [@], 5 @ 3, \\@escaped")
    assert paragraph.inlines == (Run("mail a@b.com, [see p. 5], [@], 5 @ 3, @escaped"),)


def test_hostile_text_survives_as_literal_text():
    hostile = "\\input{/etc/passwd} \\alpha {braces} <script>alert(1)</script> &amp; \x01\x7f # h `c` [l](u) 50% $x$ ~^"
    (paragraph,) = parse(hostile)
    assert paragraph.inlines == (Run(hostile),)


def test_unmatched_stars_stay_literal():
    assert parse("2 * 3 and *open") == (Paragraph((Run("2 * 3 and *open"),)),)
    assert parse("a ** b") == (Paragraph((Run("a ** b"),)),)


def test_backslash_escapes_punctuation_only():
    assert parse("\\*not emphasis\\* C:\\data \\\\") == (Paragraph((Run("*not emphasis* C:\\data \\"),)),)


def test_carriage_returns_and_empty_text():
    assert parse("a\r\nb") == (Paragraph((Run("a"), LineBreak(), Run("b"))),)
    assert parse("") == ()
    assert parse("  \n\n ") == ()


def test_chinese_text_with_emphasis():
    assert parse("这是**重点**。") == (Paragraph((Run("这是"), Run("重点", bold=True), Run("。"))),)
