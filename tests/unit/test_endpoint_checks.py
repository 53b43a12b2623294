"""Endpoint URL and custom header checks that need no network (embedded IPv4 addresses, host
name syntax, header names and values), on chosen and generated input (Hypothesis)."""

import unicodedata
from ipaddress import IPv4Address, IPv6Address

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hookdesk.net import addresses
from hookdesk.webhooks import headers
from hookdesk.webhooks.endpoints import urls


@pytest.mark.parametrize(
    ("address", "carried"),
    [
        ("::127.0.0.1", "127.0.0.1"),  # IPv4-compatible
        ("::ffff:10.0.0.1", "10.0.0.1"),  # IPv4-mapped
        ("64:ff9b::169.254.169.254", "169.254.169.254"),  # NAT64
        ("2002:c0a8:0101::1", "192.168.1.1"),  # 6to4
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "127.0.0.1"),  # Teredo, client bits inverted
        ("2606:4700::1111", None),
    ],
)
def test_the_ipv4_address_an_ipv6_one_carries(address: str, carried: str | None) -> None:
    found = addresses.embedded_ipv4(IPv6Address(address))
    assert found == (IPv4Address(carried) if carried else None)


@pytest.mark.parametrize(
    "address",
    [
        "::127.0.0.1",
        "::10.1.2.3",
        "::",
        "::1",
        "64:ff9b::127.0.0.1",
        "64:ff9b::10.0.0.1",
        "64:ff9b:1::8.8.8.8",  # local-use NAT64: inside a network whatever it carries
        "2002:7f00:0001::",
        "2002:a9fe:a9fe::1",
        "2001:0:4136:e378:8000:63bf:80ff:fffe",
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo client 10.0.0.1
    ],
)
def test_ipv6_addresses_that_carry_an_internal_ipv4_address_are_not_public(address: str) -> None:
    assert not addresses.is_public_address(address)


@pytest.mark.parametrize(
    "address",
    ["::8.8.8.8", "64:ff9b::8.8.8.8", "2002:0808:0808::", "2606:4700::1111", "93.184.215.14"],
)
def test_addresses_that_reach_a_public_ipv4_address_are_public(address: str) -> None:
    assert addresses.is_public_address(address)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("https://[::1/", "IPv6 address in brackets"),
        ("https://[v1.x]/", "IPv6 address in brackets"),
        ("https://[::1]x/", "IPv6 address in brackets"),
        ("https://a]b/", "IPv6 address in brackets"),
        ("https://exa mple.com/", "spaces or control characters"),
        ("https://example.com /", "spaces or control characters"),
        ("https://exa\tmple.com/", "spaces or control characters"),
        ("https://exa\x00mple.com/", "spaces or control characters"),
        ("https://exa\u200bmple.com/", "spaces or control characters"),
        ("https://example.com/a\nb", "spaces or control characters"),
        ("https://-example.com/", "not a valid host name"),
        ("https://exa..mple.com/", "not a valid host name"),
        ("https://exa%20mple.com/", "not a valid host name"),
        ("https://exa<mple.com/", "not a valid host name"),
        ("https://" + "a" * 64 + ".com/", "not a valid host name"),
        ("https://snow\u2603man.com/", "not a valid host name"),  # IDNA refuses it
        ("https://bad\u2100name.com/", "not a valid host name"),  # NFKC makes it a/c
        ("https://0x7f.1/", "not a valid IPv4 address"),
        ("https://2130706433/", "not a valid IPv4 address"),
        ("https://1.2.3/", "not a valid IPv4 address"),
    ],
)
def test_malformed_hosts_are_refused_in_every_mode(url: str, words: str) -> None:
    for dev in (False, True):
        with pytest.raises(urls.UnsafeUrl, match=words):
            urls.check_syntax(url, dev=dev)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/hook",
        "https://EXAMPLE.com./hook",
        "https://bücher.example/hook",
        "https://xn--bcher-kva.example/hook",
        "https://my_service.example.com/hook",
        "https://93.184.215.14:8443/hook",
        "https://[2606:4700::1111]/hook",
        "https://example.com/a%20b?q=1#f",
    ],
)
def test_valid_hosts_pass_the_syntax_check(url: str) -> None:
    assert urls.check_syntax(url, dev=False)


# Hosts as URL parsers meet them: brackets, dots, digits, percent signs, non-ASCII and invisible
# characters, in any order.
HOSTISH = st.text(
    alphabet=st.sampled_from(list("[]:.%@-_0123456789abcfx/ \t\x00\x7fé\u200bß\u2100ⅷ")),
    max_size=40,
)


@settings(max_examples=500, deadline=None)
@given(host=HOSTISH, scheme=st.sampled_from(["https", "http"]))
def test_any_host_is_checked_or_refused_with_a_reason(host: str, scheme: str) -> None:
    for dev in (False, True):
        try:
            found = urls.check_syntax(f"{scheme}://{host}/hook", dev=dev)
        except urls.UnsafeUrl as refused:
            assert str(refused)
        else:
            assert found
            assert not any(c.isspace() or ord(c) < 32 for c in found)


@settings(max_examples=300, deadline=None)
@given(st.ip_addresses(v=6))
def test_an_ipv6_address_is_public_only_if_what_it_reaches_is(address) -> None:
    carried = addresses.embedded_ipv4(address)
    if carried is not None and not (carried.is_global and not carried.is_multicast):
        assert not addresses.is_public_address(str(address))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=12), st.text(max_size=12), max_size=4))
def test_any_headers_are_accepted_only_if_they_can_be_sent(custom: dict[str, str]) -> None:
    try:
        headers.check(custom)
    except headers.InvalidHeaders as refused:
        assert str(refused)
        return
    for name, value in custom.items():
        assert name.isascii()
        assert name.strip() == name != ""
        assert ":" not in name
        assert not any(unicodedata.category(c) == "Cc" for c in value)
        assert headers.folded(name) not in headers.RESERVED
