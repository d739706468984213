"""The hall's matter catalogue in and out of a spreadsheet: ``kiosk hall-admin --db DB matters import|export
FILE.xlsx|FILE.json``. An export imported again gives the same catalogue; a file with any bad row loads
nothing and says, one line per problem, which sheet, which row and why. Real hall databases in tmp_path,
real .xlsx files written and read with openpyxl."""

from __future__ import annotations

import json
import subprocess
import sys

import openpyxl
import pytest

from hall_server import HallStore, sample_hall
from hall_server.__main__ import main
from hall_server.api.matters import catalogue_source, matter_catalogue

LONG = "受理条件第一段：申请人应当具备完全民事行为能力。\n" + "材料须真实、有效、完整；" * 200


def run(capsys, db, *argv) -> tuple[int, str, str]:
    code = main(["--db", str(db), "matters", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def source(db) -> dict:
    store = HallStore(db)
    try:
        return catalogue_source(store)
    finally:
        store.close()


@pytest.fixture
def hall_file(tmp_path):
    path = tmp_path / "hall.json"
    path.write_text(json.dumps(sample_hall(), ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def exported(tmp_path, capsys, hall_file):
    """The sample hall imported into a database and exported as a spreadsheet: (database, .xlsx)."""
    db = tmp_path / "first.db"
    assert run(capsys, db, "import", str(hall_file))[0] == 0
    assert run(capsys, db, "export", str(tmp_path / "catalogue.xlsx"))[0] == 0
    return db, tmp_path / "catalogue.xlsx"


def edit(path, changes: dict[str, list[tuple[int, str, object]]]) -> None:
    """Sets cells by sheet, row number and column name (the header), as a clerk would in a spreadsheet."""
    wb = openpyxl.load_workbook(path)
    for sheet, cells in changes.items():
        ws = wb[sheet]
        header = [c.value for c in ws[1]]
        for row, column, value in cells:
            ws.cell(row=row, column=header.index(column) + 1, value=value)
    wb.save(path)


def row_of(path, sheet: str, **where) -> int:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb[sheet].iter_rows(values_only=True))
    wb.close()
    header = rows[0]
    for number, values in enumerate(rows[1:], start=2):
        if all(values[header.index(k)] == v for k, v in where.items()):
            return number
    raise LookupError(where)


def test_export_then_import_gives_the_same_catalogue(tmp_path, capsys, exported, hall_file):
    """GIVEN the sample hall exported as a spreadsheet WHEN it is imported into another hall THEN that hall's
    catalogue, and what it serves, is the same; the JSON export is the hall file's catalogue."""
    first, xlsx = exported
    second = tmp_path / "second.db"
    code, out, err = run(capsys, second, "import", str(xlsx))
    assert (code, err) == (0, "") and f"loaded {len(sample_hall()['matters'])} matters" in out
    assert source(second) == source(first)
    hall = sample_hall()
    assert source(second) == {"matters": hall["matters"], "synonyms": hall["synonyms"]}
    assert run(capsys, second, "export", str(tmp_path / "again.json"))[0] == 0
    assert json.loads((tmp_path / "again.json").read_text(encoding="utf-8")) == source(first)
    stores = [HallStore(first), HallStore(second)]
    try:
        assert matter_catalogue(stores[0]) == matter_catalogue(stores[1])
    finally:
        for store in stores:
            store.close()


def test_rare_characters_long_text_and_text_that_looks_like_a_formula_survive(tmp_path, capsys):
    """GIVEN a matter named with 䶮 and 𠮷, conditions of 2,000 characters over two lines and a note starting
    with "=" WHEN it goes out to a spreadsheet and back THEN every character is as it was."""
    hall = sample_hall()
    matter = hall["matters"][0]
    matter["name"] = "李䶮𠮷专用测试事项（企业开办）"
    matter["conditions"] = LONG[:2000]
    matter["materials"][0]["note"] = "=SUM(A1:A9) 不是公式"
    matter["faq"] = [{"q": "𠮷字能打印吗？", "a": "能。" + "打印机使用含扩展字符集的字库。" * 20}]
    path = tmp_path / "rare.json"
    path.write_text(json.dumps(hall, ensure_ascii=False), encoding="utf-8")
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    assert run(capsys, first, "import", str(path))[0] == 0
    assert run(capsys, first, "export", str(tmp_path / "rare.xlsx"))[0] == 0
    assert run(capsys, second, "import", str(tmp_path / "rare.xlsx"))[0] == 0
    back = source(second)["matters"][0]
    assert back == matter and len(back["conditions"]) == 2000


def test_lists_yes_no_and_numbers_are_read_as_a_clerk_types_them(tmp_path, capsys, exported):
    """GIVEN cells typed by hand: a list with spaces around "|", 是/否, a number typed as text WHEN imported
    THEN the catalogue holds a list, booleans and a number."""
    _, xlsx = exported
    row = row_of(xlsx, "guides", code="320100-GG-0004")
    edit(xlsx, {"guides": [(row, "theme", " 个人 | 住房 |租房 "), (row, "self_service", "否"),
                           (row, "promised_days", "2")]})
    db = tmp_path / "typed.db"
    assert run(capsys, db, "import", str(xlsx))[0] == 0
    matter = next(m for m in source(db)["matters"] if m["code"] == "320100-GG-0004")
    assert matter["theme"] == ["个人", "住房", "租房"] and matter["self_service"] is False
    assert matter["promised_days"] == 2


def test_every_bad_row_is_named_with_its_sheet_and_row_and_nothing_is_loaded(tmp_path, capsys, exported):
    """GIVEN a spreadsheet with a duplicate code, a material naming an unknown matter, a material with an
    unknown trust class, a field of an unknown type, a day count in words and a bad list item WHEN it is
    imported THEN the command exits 1 with one line for each, naming sheet and row, and the hall's
    catalogue is what it was."""
    db, xlsx = exported
    before = source(db)
    guide = row_of(xlsx, "guides", code="320100-QR-0002")
    material = row_of(xlsx, "materials", matter="320100-GG-0004", id="m2")
    trust = row_of(xlsx, "materials", matter="320100-XK-0018", id="m4")
    field = row_of(xlsx, "fields", matter="320100-GG-0005", id="category")
    wb = openpyxl.load_workbook(xlsx)
    last = wb["guides"].max_row + 1  # a new row at the end
    wb.close()
    edit(xlsx, {"guides": [(last, "code", "320100-QR-0002"), (guide, "promised_days", "三天"),
                           (guide, "pickup", "window|drone")],
                "materials": [(material, "matter", "320100-ZZ-9999"), (trust, "trust", "E")],
                "fields": [(field, "type", "colour")]})
    code, out, err = run(capsys, db, "import", str(xlsx))
    lines = err.splitlines()
    assert code == 1 and out == "" and "Traceback" not in err
    assert f"guides, row {last}: code 320100-QR-0002 is already on row {guide}" in lines
    assert f"guides, row {guide}: promised_days: '三天' is not a whole number" in lines
    assert f"materials, row {material}: matter 320100-ZZ-9999 is not on the guides sheet" in lines
    assert f"materials, row {trust}: trust: 'E' is not one of ['A', 'B', 'C', 'D']" in lines
    assert any(line.startswith(f"fields, row {field}: type 'colour' is not a field type") for line in lines)
    assert any(line.startswith(f"guides, row {guide}: pickup[1]: 'drone' is not one of") for line in lines)
    assert len(lines) == 6
    assert source(db) == before


def test_a_file_that_is_not_a_catalogue_is_one_clear_line(tmp_path, capsys, exported):
    """GIVEN a text file named .xlsx, a workbook without the materials sheet, an unknown column, a file of
    another kind and JSON with a bad entry WHEN each is imported THEN exit 1 with a line that says why."""
    db, xlsx = exported
    fake = tmp_path / "notes.xlsx"
    fake.write_text("代码,名称\n320100-GG-0001,测试\n", encoding="utf-8")
    assert run(capsys, db, "import", str(fake))[::2] == (1, f"{fake}: not a spreadsheet (.xlsx)\n")

    wb = openpyxl.load_workbook(xlsx)
    del wb["materials"]
    wb["guides"].cell(row=1, column=wb["guides"].max_column + 1, value="opening")
    wb.save(tmp_path / "partial.xlsx")
    code, _, err = run(capsys, db, "import", str(tmp_path / "partial.xlsx"))
    assert code == 1 and err.startswith(f"{tmp_path / 'partial.xlsx'}: no sheet 'materials'")

    wb = openpyxl.load_workbook(xlsx)
    wb["guides"].cell(row=1, column=wb["guides"].max_column + 1, value="opening")
    wb.save(tmp_path / "column.xlsx")
    assert run(capsys, db, "import", str(tmp_path / "column.xlsx"))[::2] == (
        1, "guides, row 1: unknown column 'opening'\n")

    assert run(capsys, db, "import", str(tmp_path / "catalogue.csv"))[0] == 1
    hall = sample_hall()
    hall["matters"][2]["service"] = "综合"
    (tmp_path / "bad.json").write_text(json.dumps(hall, ensure_ascii=False), encoding="utf-8")
    code, _, err = run(capsys, db, "import", str(tmp_path / "bad.json"))
    assert code == 1 and err == "matters[2] (320100-GG-0003).service: '综合' does not match '^[A-Z]$'\n"


def test_the_command_runs_as_kiosk_hall_admin_without_a_traceback(tmp_path, hall_file):
    """GIVEN the hall-admin command in its own process WHEN a good and then a broken file are imported THEN
    it says how many matters it loaded, then exits 1 with the reason and no traceback."""
    db = tmp_path / "hall.db"
    command = [sys.executable, "-m", "kiosk", "hall-admin", "--db", str(db), "matters", "import"]
    good = subprocess.run([*command, str(hall_file)], capture_output=True, text=True, timeout=120)
    assert good.returncode == 0 and f"loaded {len(sample_hall()['matters'])} matters" in good.stdout
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    bad = subprocess.run([*command, str(tmp_path / "broken.xlsx")], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "not a spreadsheet" in bad.stderr and "Traceback" not in bad.stderr
