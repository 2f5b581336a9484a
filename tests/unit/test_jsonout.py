"""Response bodies: orjson for what it takes, the standard library for the rest."""

import json

from fedi.edge.jsonout import dumps


def test_bodies_are_utf8_json_whatever_the_keys_or_text():
    assert dumps({"name": "Zoë", "n": [1, 2.5, None, True]}) == '{"name":"Zoë","n":[1,2.5,null,true]}'.encode()
    # keys that are not strings, integers beyond 64 bits and lone surrogates still make JSON
    assert json.loads(dumps({1: "a", "b": 2})) == {"1": "a", "b": 2}
    assert json.loads(dumps({"big": 2 ** 70})) == {"big": 2 ** 70}
    assert json.loads(dumps({"odd": "\ud800"})) == {"odd": "\ud800"}
