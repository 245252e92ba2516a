"""The client address: X-Forwarded-For is believed only as far as trusted proxies wrote it."""

from __future__ import annotations

from ipaddress import ip_network
from typing import Any

import pytest

from aic.security.clientip import address_identity, client_ip
from aic.settings import CommonSettings

PROXIES = [ip_network("10.0.0.0/8"), ip_network("127.0.0.1/32"), ip_network("fd00::/8")]


def scope(peer: str | None, *forwarded: str) -> dict[str, Any]:
    return {
        "type": "http",
        "client": (peer, 41000) if peer is not None else None,
        "headers": [(b"x-forwarded-for", value.encode()) for value in forwarded],
    }


def test_without_a_proxy_the_socket_peer_is_the_client_whatever_it_claims() -> None:
    assert client_ip(scope("203.0.113.9", "1.1.1.1"), PROXIES) == "203.0.113.9"


def test_a_trusted_proxy_names_the_client() -> None:
    assert client_ip(scope("10.1.2.3", "198.51.100.7"), PROXIES) == "198.51.100.7"


def test_addresses_a_client_wrote_itself_are_ignored() -> None:
    # The client sent "X-Forwarded-For: 1.1.1.1"; the proxy appended the real peer.
    assert client_ip(scope("10.1.2.3", "1.1.1.1, 198.51.100.7"), PROXIES) == "198.51.100.7"


def test_a_chain_of_trusted_proxies_is_walked_from_the_nearest_hop() -> None:
    forwarded = ("1.1.1.1, 198.51.100.7", "10.9.9.9")  # two headers: one list
    assert client_ip(scope("127.0.0.1", *forwarded), PROXIES) == "198.51.100.7"


def test_when_every_hop_is_trusted_the_farthest_one_is_the_client() -> None:
    assert client_ip(scope("10.0.0.1", "10.0.0.3, 10.0.0.2"), PROXIES) == "10.0.0.3"


def test_garbage_stops_the_walk_at_the_last_trusted_hop() -> None:
    assert client_ip(scope("10.0.0.1", "198.51.100.7, not-an-ip"), PROXIES) == "10.0.0.1"


def test_ports_brackets_and_v4_mapped_addresses_are_understood() -> None:
    assert client_ip(scope("10.0.0.1", "198.51.100.7:5123"), PROXIES) == "198.51.100.7"
    assert client_ip(scope("fd00::1", "[2001:db8::5]:443"), PROXIES) == "2001:db8::5"
    assert client_ip(scope("::ffff:203.0.113.9"), PROXIES) == "203.0.113.9"


def test_with_no_trusted_proxies_forwarded_headers_mean_nothing() -> None:
    assert client_ip(scope("127.0.0.1", "198.51.100.7"), []) == "127.0.0.1"


def test_a_peer_that_is_no_address_is_kept_as_it_is() -> None:
    assert client_ip(scope("testclient", "198.51.100.7"), PROXIES) == "testclient"
    assert client_ip(scope(None), PROXIES) == "unknown"


def test_an_ipv6_client_is_its_whole_64_network() -> None:
    assert address_identity("2001:db8:1:2:aaaa::1") == address_identity("2001:db8:1:2:bbbb::9")
    assert address_identity("2001:db8:1:2::1") == "ip:2001:db8:1:2::/64"
    assert address_identity("203.0.113.9") == "ip:203.0.113.9"


def test_trusted_proxies_are_read_as_networks_and_validated() -> None:
    settings = CommonSettings(trusted_proxies=" 10.0.0.0/8, 192.168.1.7 ,")
    assert settings.trusted_proxies == "10.0.0.0/8,192.168.1.7/32"
    assert [str(n) for n in settings.trusted_proxy_networks] == ["10.0.0.0/8", "192.168.1.7/32"]
    assert CommonSettings(trusted_proxies="").trusted_proxy_networks == ()
    with pytest.raises(ValueError, match="not an IP address or network"):
        CommonSettings(trusted_proxies="proxy.internal")


@pytest.mark.parametrize(
    ("trusted", "proxy_headers", "allowed"),
    [("10.0.0.0/8", True, ["10.0.0.0/8"]), ("", False, None)],
)
def test_uvicorn_believes_forwarded_headers_from_the_trusted_proxies_only(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
    trusted: str,
    proxy_headers: bool,
    allowed: list[str] | None,
) -> None:
    from aic.cli import serve

    seen: dict[str, Any] = {}
    monkeypatch.setattr("uvicorn.run", lambda *_, **options: seen.update(options))
    monkeypatch.setattr("signal.signal", lambda *_: None)
    monkeypatch.setattr(serve, "configure_logging", lambda *_: None)
    settings = CommonSettings(data_dir=tmp_path, trusted_proxies=trusted)
    serve._run_uvicorn("backend", "factory:app", settings, "127.0.0.1", 0, 1, False)
    assert seen["proxy_headers"] is proxy_headers
    assert seen["forwarded_allow_ips"] == allowed
