"""Logs never hold a citizen's ID number, phone number or name in plain text."""

from __future__ import annotations

import logging

from core import logs
from core.domain import CardType, Identity


def test_id_numbers_phones_and_registered_names_are_masked_in_every_line(tmp_path):
    path = logs.setup(tmp_path)
    log = logging.getLogger("kiosk.test")
    who = Identity(CardType.RESIDENT, name="李䶮", id_number="32010219550312123X")
    logs.register_sensitive(who.name)
    try:
        log.info("issued for %s id=%s phone 13812345678", who.name, who.id_number)
        log.info("identity %r", who)
        try:
            raise ValueError(f"bad card 32010219550312123X of 李䶮")
        except ValueError:
            log.exception("reader failed")
    finally:
        logs.forget_sensitive()
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text(encoding="utf-8")
    assert "32010219550312123X" not in text
    assert "李䶮" not in text
    assert "13812345678" not in text
    assert "3201**********123X" in text and "李*" in text and "138****5678" in text


def test_an_identity_never_shows_full_values_in_its_repr():
    who = Identity(CardType.RESIDENT, name="欧阳娜娜", id_number="110101199006150023")
    assert repr(who) == "Identity(resident, 欧***, 1101**********0023)"
    assert "欧阳娜娜" not in f"{who}" and "110101199006150023" not in f"{who!r}"


def test_handlers_a_library_put_on_the_root_logger_are_masked_too(tmp_path):
    import io

    stream = io.StringIO()
    foreign = logging.StreamHandler(stream)  # as logging.basicConfig() in a library would add
    root = logging.getLogger()
    root.addHandler(foreign)
    try:
        logs.setup(tmp_path)
        logging.getLogger("kiosk.test").warning("card 110101199006150023 read")
    finally:
        root.removeHandler(foreign)
    assert "110101199006150023" not in stream.getvalue()
    assert "1101**********0023" in stream.getvalue()


def test_uvicorns_access_log_still_formats_and_masks_an_id_number_in_a_url(tmp_path, capsys):
    """GIVEN the hall server with uvicorn's access logger, its own AccessFormatter and the masking filter
    (as ``kiosk hall-server`` sets them up)
    WHEN a request's URL holds an ID number
    THEN the access line is written, with the number masked, and logging reports no error on stderr."""
    import io

    import requests
    from uvicorn.logging import AccessFormatter

    from hall_server import ServerThread, sample_hall

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False))
    handler.addFilter(logs.MaskingFilter())
    access = logging.getLogger("uvicorn.access")
    access.addHandler(handler)
    old_level, access.level = access.level, logging.INFO
    try:
        with ServerThread(tmp_path / "hall.db", seed=sample_hall(), access_log=True) as server:
            requests.get(server.url + "/v1/lookup/110101199006150023?phone=13812345678", timeout=5)
    finally:
        access.removeHandler(handler)
        access.setLevel(old_level)
    text = stream.getvalue()
    assert "Logging error" not in capsys.readouterr().err
    assert '"GET /v1/lookup/1101**********0023?phone=138****5678 HTTP/1.1" 401' in text
    assert "110101199006150023" not in text and "13812345678" not in text


def test_masking_keeps_a_records_arguments_for_formatters_that_read_them():
    """GIVEN a record whose arguments hold an ID number WHEN the filter masks it THEN ``args`` is still a
    tuple of the same length (masked), so a formatter that unpacks ``record.args`` keeps working."""
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s %s %d", ("GET", "/p/110101199006150023", 200),
                               None)
    logs.MaskingFilter().filter(record)
    assert record.args == ("GET", "/p/1101**********0023", 200)
    assert record.getMessage() == "GET /p/1101**********0023 200"
