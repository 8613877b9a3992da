"""The streaming JSON reader: values one at a time, line numbers, recovery after errors."""

from __future__ import annotations

import io
import json

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
    assert (error.value.line, error.value.column) == (3, 12)
    assert stream.skip_to_next_element()
    assert stream.value() == {"id": "3"}
    assert stream.peek() == "]"


@pytest.mark.parametrize("chunk_size", [1, 7, 1 << 20])
def test_error_line_and_column_are_the_ones_json_loads_names(chunk_size: int) -> None:
    """The reader decodes a buffer that starts mid-file; its places must still be the file's."""
    element = '{"id": "2",\n   "name": "x" "y": 1}'
    text = '[\n  {"id": "1", "name": "Ayşe"},\n' + element + "\n]"
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    stream = JsonStream(io.BytesIO(text.encode()), chunk_size=chunk_size, lookahead=3)
    stream.expect("[", "a list")
    stream.value()
    stream.take(",")
    with pytest.raises(JsonSyntaxError) as error:
        stream.value()
    assert (error.value.line, error.value.column) == (expected.value.lineno, expected.value.colno)
    assert str(error.value) == f"line 4, column 16: {expected.value.msg}"


def test_undecodable_bytes_survive_as_markers() -> None:
    stream = JsonStream(io.BytesIO('[{"name": "G\xfcl"}]'.encode("cp1254")))
    stream.expect("[", "a list")
    assert jsonstream.has_undecodable(stream.value())
