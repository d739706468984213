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
