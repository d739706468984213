"""A terminal's ``[platform]`` table and the hall network: https with the hall's CA and an optional client
certificate; plain http:// only to this machine, or when the file says so in so many words."""

from __future__ import annotations

import tomllib

import pytest

from core import config
from core.errors import ConfigError


def terminal(platform: str) -> dict:
    text = f"""
role = "clerk"
terminal_id = "W-03"
hall_id = "3201-0042"

[platform]
terminal_secret = "s3cret"
{platform}

[window]
number = 3
"""
    return tomllib.loads(text)


@pytest.fixture
def pem_files(tmp_path):
    for name in ("ca.pem", "W-03.pem", "W-03.key"):
        (tmp_path / name).write_text("-----BEGIN CERTIFICATE-----\n", encoding="ascii")
    return tmp_path


def test_https_with_the_halls_ca_and_a_client_certificate(pem_files):
    cfg = config.parse(terminal(f"""url = "https://hall.example:8765"
ca_file = "{pem_files / 'ca.pem'}"
client_cert = "{pem_files / 'W-03.pem'}"
client_key = "{pem_files / 'W-03.key'}" """))
    p = cfg.platform
    assert (p.url, p.ca_file, p.client_cert, p.client_key, p.allow_plain_http) == (
        "https://hall.example:8765", str(pem_files / "ca.pem"), str(pem_files / "W-03.pem"),
        str(pem_files / "W-03.key"), False)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765", "http://localhost:8765", "http://[::1]:8765",
                                 "https://10.0.0.5:8765"])
def test_loopback_http_and_any_https_need_no_permission(url):
    assert config.parse(terminal(f'url = "{url}"')).platform.url == url


def test_plain_http_across_the_network_is_refused_naming_the_key_that_allows_it():
    """GIVEN http:// to a hall server on the network WHEN the file does not allow plain HTTP THEN start-up
    stops, naming platform.allow_plain_http, in both languages."""
    with pytest.raises(ConfigError) as caught:
        config.parse(terminal('url = "http://10.0.0.5:8765"'))
    assert caught.value.params["setting"] == "platform.allow_plain_http"
    assert "clear text" in caught.value.params["problem"] and "https://" in caught.value.params["problem"]
    assert "platform.allow_plain_http" in caught.value.message("technician", "zh_CN")
    assert "platform.allow_plain_http" in caught.value.message("technician", "en")


def test_plain_http_across_the_network_when_the_file_says_so_explicitly():
    cfg = config.parse(terminal('url = "http://hall.local:8765"\nallow_plain_http = true'))
    assert cfg.platform.allow_plain_http is True


@pytest.mark.parametrize(("settings", "setting", "words"), [
    ('url = "https://h:1"\nca_file = "/nonexistent/ca.pem"', "platform.ca_file", "not a readable file"),
    ('url = "https://h:1"\nclient_key = "{dir}/W-03.key"', "platform.client_cert", "go together"),
    ('url = "https://h:1"\nclient_cert = "{dir}/W-03.pem"', "platform.client_key", "go together"),
    ('url = "http://127.0.0.1:1"\nca_file = "{dir}/ca.pem"', "platform.ca_file", "https:// only"),
    ('url = "http://10.0.0.5:1"\nallow_plain_http = "yes"', "platform.allow_plain_http", "must be bool"),
])
def test_a_wrong_tls_setting_names_the_key(pem_files, settings, setting, words):
    with pytest.raises(ConfigError) as caught:
        config.parse(terminal(settings.format(dir=pem_files)))
    assert caught.value.params["setting"] == setting and words in caught.value.params["problem"]


def test_the_platforms_public_host_makes_the_papers_codes_links_and_is_a_bare_host_name():
    """``public_host`` is the platform's public web host: receipts then carry https://<host>/track/… and the
    rating link /rate/…, and a kiosk accepts codes on that host only. A scheme, a port or capitals are refused
    with the key named."""
    from core.domain.codes import CodeKind, classify, receipt_payload

    cfg = config.parse(terminal('url = "https://hall.example:8765"\npublic_host = "zwfw.nanjing.gov.cn"'), source="t")
    assert cfg.platform.public_host == "zwfw.nanjing.gov.cn"
    payload = receipt_payload("32010020261203000001", cfg.platform.public_host)
    assert classify(payload, platform_hosts=(cfg.platform.public_host,)).kind is CodeKind.RECEIPT
    assert config.parse(terminal('url = "https://hall.example:8765"'), source="t").platform.public_host == ""
    for bad in ("https://zwfw.nanjing.gov.cn", "zwfw.nanjing.gov.cn:443", "ZWFW.gov.cn", "a b"):
        with pytest.raises(ConfigError) as refused:
            config.parse(terminal(f'url = "https://hall.example:8765"\npublic_host = "{bad}"'), source="t")
        assert "platform.public_host" in str(refused.value)
