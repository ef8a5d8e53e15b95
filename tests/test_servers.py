"""The test servers check what they are asked for: a misspelt kind or
option is an error naming it, not a server that quietly does something
else."""

import pytest

from servers import KINDS, Server


def test_an_unknown_kind_is_named_with_the_known_ones():
    with pytest.raises(ValueError) as info:
        Server("sinc", {})
    assert "'sinc'" in str(info.value) and "sink" in str(info.value)


def test_an_unknown_option_is_named_with_what_the_kind_takes():
    with pytest.raises(ValueError) as info:
        Server("sink", {"read_sise": 1})
    assert "'read_sise'" in str(info.value) and "read_size" in str(info.value)


def test_each_kind_takes_its_own_options_and_the_common_ones():
    for name in ("echo", "silent"):
        with pytest.raises(ValueError):
            Server(name, {"read_size": 1})
    server = Server("slow", {"rcvbuf": 8192, "read_size": 1024, "keep": True})
    server.stop()
    assert {"keep", "ipv6", "tls"} <= KINDS["forever"][2]


def test_an_unknown_then_is_an_error_not_a_close():
    with pytest.raises(ValueError) as info:
        Server("send", {"then": "clsoe"})
    assert "'clsoe'" in str(info.value)
