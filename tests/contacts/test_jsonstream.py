"""The streaming JSON reader: values one at a time, line numbers, recovery after errors."""

from __future__ import annotations

import io

import pytest

from wabroadcast.contacts import jsonstream
from wabroadcast.contacts.jsonstream import JsonStream, JsonSyntaxError


def test_values_across_chunk_boundaries_keep_their_lines() -> None:
    text = "[\n" + ",\n".join(f'{{"id": "{i}", "n": {i * 1000}}}' for i in range(50)) + "\n]\n"
    stream = JsonStream(io.BytesIO(text.encode()), chunk_size=7, lookahead=5)
    stream.expect("[", "a list")
    seen = []
    while stream.peek() != "]":
        line = stream.line
        seen.append((line, stream.value()))
        stream.take(",")
    assert seen == [(i + 2, {"id": str(i), "n": i * 1000}) for i in range(50)]


def test_a_broken_element_names_its_line_and_the_next_one_is_read() -> None:
    text = '[\n{"id": "1"},\n{"id": "2" "x": 1},\n{"id": "3"}\n]'
    stream = JsonStream(io.BytesIO(text.encode()))
    stream.expect("[", "a list")
    assert stream.value() == {"id": "1"}
    assert stream.take(",")
    with pytest.raises(JsonSyntaxError) as error:
        stream.value()
    assert error.value.line == 3
    assert stream.skip_to_next_element()
    assert stream.value() == {"id": "3"}
    assert stream.peek() == "]"


def test_undecodable_bytes_survive_as_markers() -> None:
    stream = JsonStream(io.BytesIO('[{"name": "G\xfcl"}]'.encode("cp1254")))
    stream.expect("[", "a list")
    assert jsonstream.has_undecodable(stream.value())
