"""The ID-card reader protocol, table by table (docs/idcard.md: Frames, Status, Read answer, Text block)."""

from __future__ import annotations

from datetime import date

import pytest

from devices.idcard import protocol as p
from simulators.idcard_cards import (
    SAMPLE_CARDS,
    foreign_2023_text,
    permit_text,
    put,
    resident_text,
    with_check_digit,
)
from devices.idcard.text import (
    ETHNICITIES,
    TextBlockError,
    card_type_of,
    check_digit,
    ethnicity_code,
    ethnicity_name,
    id_number_valid,
    parse_date,
    parse_expiry,
    parse_text,
)
from core.domain import CardType, Sex
from core.errors import DeviceProtocolError, HardwareFault


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# --- frames ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("command, frame", [
    (p.Command.FIND_CARD, "AA AA AA 96 69 00 03 20 01 22"),
    (p.Command.SELECT_CARD, "AA AA AA 96 69 00 03 20 02 21"),
    (p.Command.READ_TEXT_PHOTO, "AA AA AA 96 69 00 03 30 01 32"),
    (p.Command.READ_TEXT_PHOTO_FINGERPRINT, "AA AA AA 96 69 00 03 30 10 23"),
    (p.Command.READ_APPENDED_ADDRESS, "AA AA AA 96 69 00 03 30 03 30"),
    (p.Command.SAM_ID, "AA AA AA 96 69 00 03 12 FF EE"),
    (p.Command.SAM_STATUS, "AA AA AA 96 69 00 03 11 FF ED"),
    (p.Command.RESET_SAM, "AA AA AA 96 69 00 03 10 FF EC"),
])
def test_command_frames_are_byte_exact(command, frame):
    assert p.command_frame(command) == h(frame)


@pytest.mark.parametrize("payload, frame", [
    (h("00 00 9F 00 00 00 00"), "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"),  # card found
    (h("00 00 80"), "AA AA AA 96 69 00 04 00 00 80 84"),  # no card
    (h("00 00 90") + bytes(8), "AA AA AA 96 69 00 0C 00 00 90" + " 00" * 8 + " 9C"),  # select OK
    (h("00 00 81"), "AA AA AA 96 69 00 04 00 00 81 85"),  # select failed
    (h("00 00 90"), "AA AA AA 96 69 00 04 00 00 90 94"),  # SAM status OK
])
def test_answer_frames_match_the_reference_traces(payload, frame):
    assert p.build_frame(payload) == h(frame)


def test_read_answer_has_the_reference_length_and_offsets():
    card = SAMPLE_CARDS["li_yan"]
    frame = p.build_frame(h("00 00 90 01 00 04 00") + card.text + card.photo)
    assert len(frame) == 1295 and frame[5:7] == h("05 08")
    assert frame[14:270] == card.text and frame[270:1294] == card.photo
    text, photo = p.read_answer_blocks(p.Answer.from_frame(p.Frame(frame)))
    assert (text, photo) == (card.text, card.photo)


def test_fingerprint_read_answer_puts_the_text_at_offset_16():
    card = SAMPLE_CARDS["ouyang_nana"]
    fingerprint = bytes(range(256)) * 4
    frame = p.build_frame(h("00 00 90 01 00 04 00 04 00") + card.text + card.photo + fingerprint)
    assert frame[16:272] == card.text
    answer = p.Answer.from_frame(p.Frame(frame))
    assert p.read_answer_blocks(answer, fingerprint=True) == (card.text, card.photo)
    assert p.answer_fits(p.Command.READ_TEXT_PHOTO_FINGERPRINT, answer)


def frames_of(*chunks: bytes) -> list[bytes]:
    splitter = p.FrameSplitter()
    found = []
    for chunk in chunks:
        splitter.feed(chunk)
        while (frame := splitter.next_frame()) is not None:
            found.append(frame.raw)
    return found


FOUND = h("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")
NO_CARD = h("AA AA AA 96 69 00 04 00 00 80 84")


@pytest.mark.parametrize("chunks, expected", [
    ([FOUND], [FOUND]),
    ([FOUND[:3], FOUND[3:9], FOUND[9:]], [FOUND]),  # split inside the preamble and the payload
    ([bytes([b]) for b in FOUND], [FOUND]),  # byte by byte
    ([FOUND + NO_CARD[:6], NO_CARD[6:]], [FOUND, NO_CARD]),  # two frames across one boundary
    ([h("00 13 AA AA 96 FF") + FOUND], [FOUND]),  # garbage with a false start of a preamble
    ([h("AA AA"), h("AA AA AA 96 69 00 04 00 00 80 84")], [NO_CARD]),  # preamble after stray AA bytes
])
def test_splitter_reassembles_frames_from_any_pieces(chunks, expected):
    assert frames_of(*chunks) == expected


def test_splitter_says_how_many_bytes_the_frame_in_progress_wants():
    splitter = p.FrameSplitter()
    assert splitter.wanted() == 7
    splitter.feed(FOUND[:7])
    assert splitter.wanted() == 8
    splitter.feed(FOUND[7:10])
    assert splitter.wanted() == 5


@pytest.mark.parametrize("bad, error", [
    (FOUND[:-1] + b"\x00", p.ChecksumError),
    (h("AA AA AA 96 69 00 02 00 00"), p.LengthError),  # LEN below the shortest frame
    (h("AA AA AA 96 69 FF FF 00 00"), p.LengthError),  # LEN beyond the longest answer
])
def test_a_bad_frame_raises_a_protocol_error_and_the_next_frame_is_still_found(bad, error):
    splitter = p.FrameSplitter()
    splitter.feed(bad + NO_CARD)
    with pytest.raises(error) as caught:
        while splitter.next_frame() is None:
            pass
    assert isinstance(caught.value, DeviceProtocolError)
    found = []
    while True:
        try:
            frame = splitter.next_frame()
        except p.FrameError:
            continue
        if frame is None:
            break
        found.append(frame.raw)
    assert found == [NO_CARD]


def test_a_truncated_frame_followed_by_a_complete_one_is_dropped():
    card = SAMPLE_CARDS["li_yan"]
    read = p.build_frame(h("00 00 90 01 00 04 00") + card.text + card.photo)
    splitter = p.FrameSplitter()
    splitter.feed(read[:300] + read)
    with pytest.raises(p.TruncatedFrame):
        splitter.next_frame()
    assert splitter.next_frame().raw == read


# --- status ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("sw3, status, kind", [
    (0x90, p.Status.SUCCESS, p.StatusKind.OK),
    (0x9F, p.Status.CARD_FOUND, p.StatusKind.OK),
    (0x91, p.Status.NO_CONTENT, p.StatusKind.NO_CONTENT),
    (0x10, p.Status.CHECKSUM_ERROR, p.StatusKind.HOST_FRAME),
    (0x11, p.Status.LENGTH_ERROR, p.StatusKind.HOST_FRAME),
    (0x21, p.Status.COMMAND_ERROR, p.StatusKind.HOST_FRAME),
    (0x23, p.Status.NOT_PERMITTED, p.StatusKind.HOST_FRAME),
    (0x24, p.Status.UNRECOGNISED_ERROR, p.StatusKind.HOST_FRAME),
    (0x31, p.Status.CARD_AUTH_SAM_FAILED, p.StatusKind.CARD),
    (0x32, p.Status.SAM_AUTH_CARD_FAILED, p.StatusKind.CARD),
    (0x33, p.Status.VERIFICATION_ERROR, p.StatusKind.CARD),
    (0x40, p.Status.UNKNOWN_CARD_TYPE, p.StatusKind.CARD),
    (0x41, p.Status.READ_FAILED, p.StatusKind.CARD),
    (0x47, p.Status.RANDOM_FAILED, p.StatusKind.CARD),
    (0x60, p.Status.SAM_SELF_TEST_FAILED, p.StatusKind.SAM),
    (0x66, p.Status.SAM_NOT_AUTHORISED, p.StatusKind.SAM),
    (0x80, p.Status.NO_CARD, p.StatusKind.NO_CARD),
    (0x81, p.Status.SELECT_FAILED, p.StatusKind.NO_CARD),
])
def test_every_status_code_has_a_meaning(sw3, status, kind):
    answer = p.Answer.from_frame(p.Frame(p.build_frame(bytes([0, 0, sw3]))))
    assert answer.status is status and p.STATUS_KINDS[status] is kind
    error = p.status_error(status, p.Command.READ_TEXT_PHOTO)
    expected = {p.StatusKind.HOST_FRAME: p.ReaderRejected, p.StatusKind.CARD: p.CardUnreadable,
                p.StatusKind.SAM: p.SamFault}.get(kind)
    if expected is None:
        assert error is None
    else:
        assert type(error) is expected and f"{sw3:02X}" in error.message("technician", "en")
        assert isinstance(error, (DeviceProtocolError, HardwareFault))


def test_an_unknown_status_code_is_a_protocol_error():
    with pytest.raises(p.UnexpectedAnswer):
        p.Answer.from_frame(p.Frame(p.build_frame(h("00 00 55"))))


@pytest.mark.parametrize("command, payload, fits", [
    (p.Command.FIND_CARD, "00 00 9F 00 00 00 00", True),
    (p.Command.FIND_CARD, "00 00 80", True),
    (p.Command.SELECT_CARD, "00 00 9F 00 00 00 00", False),  # a stale find-card answer
    (p.Command.SELECT_CARD, "00 00 90" + " 00" * 8, True),
    (p.Command.READ_TEXT_PHOTO, "00 00 90" + " 00" * 8, False),  # a stale select answer
    (p.Command.READ_TEXT_PHOTO, "00 00 41", True),
    (p.Command.READ_APPENDED_ADDRESS, "00 00 91", True),
    (p.Command.FIND_CARD, "00 00 91", False),
])
def test_answers_that_do_not_fit_the_command_are_recognised(command, payload, fits):
    answer = p.Answer.from_frame(p.Frame(p.build_frame(h(payload))))
    assert p.answer_fits(command, answer) is fits


# --- text block -----------------------------------------------------------------------------------

@pytest.mark.parametrize("first17, check", [
    ("11010519491231002", "X"),  # the GB 11643 example number
    ("32010219550312123", "0"),
    ("11010119900615002", "5"),
    ("81000019900101123", "0"),
])
def test_check_digit_is_iso_7064_mod_11_2(first17, check):
    assert check_digit(first17) == check
    assert id_number_valid(first17 + check)
    wrong = "0" if check != "0" else "1"
    assert not id_number_valid(first17 + wrong)


@pytest.mark.parametrize("number", ["", "11010519491231002", "1101051949123100２X", "11010519491231002x",
                                    "A1010519491231002X"])
def test_malformed_id_numbers_are_invalid(number):
    assert not id_number_valid(number)


@pytest.mark.parametrize("code, zh, en", [
    ("01", "汉", "Han"), ("02", "蒙古", "Mongol"), ("05", "维吾尔", "Uygur"), ("10", "朝鲜", "Chosen"),
    ("29", "柯尔克孜", "Kirgiz"), ("56", "基诺", "Jino"), ("97", "其他", "Other"),
    ("98", "外国血统中国籍人士", "Foreign-origin Chinese citizen"),
])
def test_ethnicity_names_follow_gb_3304(code, zh, en):
    assert ethnicity_name(code) == zh and ethnicity_name(code, "en") == en and ethnicity_code(zh) == code


def test_the_ethnicity_table_holds_the_56_groups_and_97_98():
    assert sorted(ETHNICITIES) == [f"{n:02d}" for n in range(1, 57)] + ["97", "98"]
    assert len({zh for zh, _ in ETHNICITIES.values()}) == 58


@pytest.mark.parametrize("text, expected", [
    ("19550312", date(1955, 3, 12)), ("20360615", date(2036, 6, 15)), ("长期", None),
])
def test_expiry_dates(text, expected):
    assert parse_expiry(text) == expected


@pytest.mark.parametrize("text", ["1955031", "19551332", "1955-3-1", "１９５５０３１２", "", "长期"])
def test_bad_dates_are_refused(text):
    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.parametrize("key, card_type, fields", [
    ("li_yan", CardType.RESIDENT, dict(
        name="李䶮", sex=Sex.MALE, ethnicity="汉", birth_date=date(1955, 3, 12), address="江苏省南京市玄武区中山路18号",
        id_number="320102195503121230", authority="南京市公安局玄武分局", valid_from=date(2015, 3, 12),
        valid_to=None, english_name="", pass_number="", issue_count=None, nationality="")),
    ("ouyang_nana", CardType.RESIDENT, dict(
        name="欧阳娜娜", sex=Sex.FEMALE, birth_date=date(1990, 6, 15), id_number="110101199006150025",
        valid_to=date(2036, 6, 15))),
    ("chen_dawen", CardType.HK_MO_TW_PERMIT, dict(
        name="陈大文", sex=Sex.MALE, ethnicity="", birth_date=date(1990, 1, 1), id_number="810000199001011230",
        authority="深圳市公安局", pass_number="H01234567", issue_count=1, valid_to=date(2028, 1, 1))),
    ("smith_2017", CardType.FOREIGN_PERMANENT_2017, dict(
        english_name="SMITH, JOHN WILLIAM", name="史密斯", sex=Sex.MALE, id_number="USA110085021101",
        nationality="USA", birth_date=date(1985, 2, 11), valid_from=date(2017, 6, 1),
        valid_to=date(2027, 6, 1), authority="1500", address="")),
    ("smith_2023", CardType.FOREIGN_PERMANENT_2023, dict(
        english_name="SMITH, JOHN WILLIAM", name="史密斯", sex=Sex.MALE, id_number="911840198502110012",
        nationality="USA", birth_date=date(1985, 2, 11), issue_count=1, valid_to=date(2033, 12, 1))),
])
def test_sample_cards_parse_to_their_fields(key, card_type, fields):
    card = SAMPLE_CARDS[key]
    identity = parse_text(card.text, card.photo)
    assert identity.card_type is card_type
    for name, value in fields.items():
        assert getattr(identity, name) == value, name
    assert identity.photo == card.photo and not identity.photo_available


def test_a_resident_block_laid_out_by_hand_parses():
    """Independent of the sample-card builders: fields put at the reference's offsets one by one."""
    block = bytearray("".join(" " for _ in range(128)).encode("utf-16-le"))
    for offset, value in [(0, "王小明"), (30, "2"), (32, "03"), (36, "20000229"), (52, "宁夏银川市兴庆区"),
                          (122, "640104200002290029"), (158, "银川市公安局兴庆区分局"),
                          (188, "20180301"), (204, "20280301")]:
        raw = value.encode("utf-16-le")
        block[offset:offset + len(raw)] = raw
    who = parse_text(bytes(block))
    assert (who.name, who.sex, who.ethnicity, who.birth_date) == ("王小明", Sex.FEMALE, "回", date(2000, 2, 29))
    assert who.id_number == "640104200002290029" and who.valid_to == date(2028, 3, 1)


def test_a_long_english_name_runs_on_at_offset_220_on_the_2023_card():
    name = "VAN DER BERG-MONTGOMERY, ALEXANDRA CATHERINE"  # 45 characters: 35 at 52, 10 at 220
    block = foreign_2023_text(chinese_name="", sex="female", renewal_count=0, birth=date(1979, 5, 4),
                              english_name=name, id_number=with_check_digit("93127619790504002"),
                              valid_from=date(2024, 1, 2), valid_to=date(2034, 1, 2), nationality="NLD")
    who = parse_text(block)
    assert who.english_name == name and who.name == "" and who.raw_text == block
    assert who.masked_name == "V" + "*" * (len(name) - 1)


def test_unreadable_soft_fields_of_the_2023_card_are_left_empty_not_guessed():
    block = bytearray(SAMPLE_CARDS["smith_2023"].text)
    put(block, 36, 16, "1985-2-1")  # birth date in a layout we do not know
    put(block, 30, 2, "7")  # sex code in no source
    who = parse_text(bytes(block))
    assert who.birth_date is None and who.sex is Sex.UNKNOWN and who.age_on(date(2026, 1, 1)) is None


def base_resident(**changes) -> bytes:
    fields = dict(name="李䶮", sex="male", ethnicity="01", birth=date(1955, 3, 12), address="江苏省南京市",
                  id_number="320102195503121230", authority="南京市公安局", valid_from=date(2015, 3, 12),
                  valid_to=None)
    fields.update(changes)
    return resident_text(**fields)


@pytest.mark.parametrize("block, field", [
    (base_resident(id_number="320102195503121231"), "ID number"),  # wrong check digit
    (base_resident(ethnicity="57"), "ethnicity"),
    (base_resident()[:30] + "7".encode("utf-16-le") + base_resident()[32:], "sex"),
    (base_resident(name=""), "name"),
    (base_resident()[:255], "256"),
    (base_resident()[:248] + "Q".encode("utf-16-le") + base_resident()[250:], "card type"),
    (base_resident()[:36] + b"\x00\xd8" + base_resident()[38:], "birth date"),  # a lone surrogate
    (permit_text(name="陈大文", sex="male", birth=date(1990, 1, 1), address="", id_number="81000019900101123X",
                 authority="", valid_from=date(2023, 1, 1), valid_to=None, pass_number="H01234567",
                 issue_count=1), "ID number"),
])
def test_a_bad_block_raises_a_text_error_that_names_the_field_but_never_the_value(block, field):
    with pytest.raises(TextBlockError) as caught:
        parse_text(block)
    message = caught.value.message("technician", "en") + str(caught.value)
    assert field in message
    assert isinstance(caught.value, DeviceProtocolError)
    for secret in ("李䶮", "陈大文", "320102195503121231", "81000019900101123X", "1955"):
        assert secret not in message


@pytest.mark.parametrize("key, code", [("li_yan", " "), ("chen_dawen", "J"), ("smith_2017", "I"),
                                       ("smith_2023", "Y")])
def test_the_card_type_is_the_character_at_offset_248(key, code):
    block = SAMPLE_CARDS[key].text
    assert block[248:250] == code.encode("utf-16-le")
    assert card_type_of(block).value == {" ": "resident", "J": "hk_mo_tw_permit", "I": "foreign_permanent_2017",
                                         "Y": "foreign_permanent_2023"}[code]


def test_sample_cards_agree_with_the_sample_hall_citizens():
    import json
    from importlib import resources

    citizens = json.loads(resources.files("simulators.sample_data").joinpath("hall.json").read_text("utf-8"))["citizens"]
    read = [parse_text(card.text) for card in SAMPLE_CARDS.values()]
    for citizen in citizens:
        matches = [who for who in read if citizen["name"] in (who.name, who.english_name)]
        assert matches, citizen["note"]
        for who in matches:
            assert who.birth_date.isoformat() == citizen["birth_date"] and who.sex.value == citizen["sex"]


def test_wire_time_is_ten_bits_a_byte():
    assert p.wire_time_s(1295, 115200) == pytest.approx(0.1124, abs=1e-4)
    assert p.wire_time_s(1295, 9600) == pytest.approx(1.349, abs=1e-3)


def test_every_idcard_message_key_is_in_both_catalogues():
    from devices.idcard.photo import PhotoDecoderError
    from devices.idcard.reader import NoCard
    from core.i18n import catalogue
    from core.ports.idcard import ReaderState

    errors = [p.FrameError, p.ChecksumError, p.LengthError, p.TruncatedFrame, p.UnexpectedAnswer, TextBlockError,
              p.ReaderRejected, p.CardUnreadable, p.SamFault, PhotoDecoderError, NoCard]
    keys = {e.key for e in errors} | {f"{e.key}.citizen" for e in errors}
    keys |= {f"idcard.state.{s.value}" for s in ReaderState} | {f"idcard.sample.{k}" for k in SAMPLE_CARDS}
    keys |= {f"idcard.card_type.{t.value}" for t in CardType} | {f"idcard.sex.{s.value}" for s in Sex}
    for language in ("zh_CN", "en"):
        missing = keys - set(catalogue(language))
        assert not missing, (language, sorted(missing))


@pytest.mark.parametrize("name", ["李䶮", "𠮷田", "王\ue1a5", "买买提·艾力"],
                         ids=["extension-a", "extension-b-surrogate-pair", "private-use", "middle-dot"])
def test_rare_characters_in_names_survive_parsing(name):
    who = parse_text(base_resident(name=name))
    assert who.name == name and who.masked_name.startswith(name[0])


@pytest.mark.parametrize("name", ["李\x07", "\x00\x00李"])
def test_control_characters_in_a_name_are_refused(name):
    with pytest.raises(TextBlockError, match="name"):
        parse_text(base_resident(name=name))
