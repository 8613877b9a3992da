"""Folding names and reading number searches (wabroadcast.domain.search)."""

from __future__ import annotations

import pytest

from wabroadcast.domain.search import ContactQuery, fold, parse_query


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Şükrü", "sukru"),
        ("Öztürk", "ozturk"),
        ("Çağlar", "caglar"),
        ("İsmail", "ismail"),
        ("İSMAİL", "ismail"),
        ("i̇smail", "ismail"),  # Python's "İsmail".lower(): i + combining dot above
        ("ALİ", "ali"),
        ("IŞIK", "isik"),
        ("ışık", "isik"),
        ("YILMAZ", "yilmaz"),
        ("yılmaz", "yilmaz"),
        ("  Ayşe \t Nur  ", "ayse nur"),
        ("José Ñúñez", "jose nunez"),
        ("Straße", "strasse"),
        ("ﬁliz", "filiz"),  # compatibility ligature
        ("", ""),
        (None, ""),
    ],
)
def test_fold(text: str | None, folded: str) -> None:
    assert fold(text) == folded


def test_ascii_fast_path_agrees_with_the_full_fold() -> None:
    # The non-ASCII path on text that differs only by a trailing non-ASCII space.
    for text in ("Ali VELI", "IRMAK ilgin", "o'Brien-Smith", "A_B%C"):
        assert fold(text) == fold(text + "\u00a0")


@pytest.mark.parametrize(
    "text", ["0555 123 45 67", "+90 555 123 45 67", "905551234567", "5551234567", "(0555) 123-4567"]
)
def test_a_complete_number_in_any_format_is_read_exactly(text: str) -> None:
    query = parse_query(text, "TR")
    assert "+905551234567" in query.phones
    assert query.is_phone and not query.words


def test_a_part_of_a_number_is_its_digits_without_leading_zeros() -> None:
    assert parse_query("45 67") == ContactQuery(digits="4567")
    assert parse_query("0555 123") == ContactQuery(digits="555123")
    assert parse_query("0090 555 12") == ContactQuery(digits="9055512")
    assert parse_query("000") == ContactQuery(digits="000")  # only zeros: kept as typed


def test_text_with_letters_is_name_words() -> None:
    assert parse_query("  Şükrü  ÖZTÜRK şükrü ") == ContactQuery(words=("sukru", "ozturk"))
    assert parse_query("Ali 2") == ContactQuery(words=("ali", "2"))
    assert parse_query("   ").is_empty and parse_query(None).is_empty
