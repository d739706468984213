"""The hall's matter catalogue in and out of a spreadsheet (or a hall file): ``kiosk hall-admin --db DB matters
import FILE.xlsx|FILE.json`` and ``matters export FILE.xlsx|FILE.json``.

A catalogue spreadsheet has one sheet per kind of row, each with a header row naming its columns
(docs/guide.md, "The catalogue on the platform"):

    guides      one row per matter: the keys of MATTER_SCHEMA (code, name, department, service, …, form)
    materials   one row per material: matter (its code), then the keys of MATERIAL_SCHEMA
    fields      one row per form field: matter, then the simple field list (id, label, type, required, …)
    faq         (optional) one row per question: matter, q, a
    synonyms    (optional) the hall's search words: word, means

A list (theme, steps, pickup, options …) is one cell with its items separated by ``|``; yes/no cells take
TRUE/FALSE, 是/否 or yes/no; an empty cell is a key left out; ``form`` (a whole form, docs/forms.md) is JSON text.
An import checks every row and every entry (core/services/catalogue_schema.py) and loads nothing when any is
wrong: ``CatalogueError.problems`` holds one line per problem, with its sheet and row number. Reference data
only: no personal data passes through here.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from core.services.catalogue_schema import MATERIAL_SCHEMA, MATTER_SCHEMA, matter_problems
from core.services.forms import SIMPLE_FIELD_TYPES
from hall_server.api.matters import catalogue_problems, catalogue_source, load_matters

SEPARATOR = "|"
CHILDREN = ("materials", "fields", "faq")  # the sheets whose rows belong to a matter, by its code
GUIDE_COLUMNS = tuple(k for k in MATTER_SCHEMA["properties"] if k not in CHILDREN)
FIELD_KINDS = {"id": "text", "label": "text", "label_en": "text", "type": "text", "required": "bool",
               "options": "list", "min": "number", "max": "number", "unit": "text", "prefill": "text",
               "pattern": "text"}
REQUIRED_SHEETS = ("guides", "materials", "fields")
MAX_ROWS = 20_000  # per sheet: far above any hall's catalogue, low enough to bound an import
MAX_CELL = 32_767  # characters in one spreadsheet cell
FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_EMPTY = object()
_YES, _NO = {"true", "yes", "y", "1", "是", "√"}, {"false", "no", "n", "0", "否", "×"}


def _kind(prop: dict) -> str:
    return {"integer": "int", "boolean": "bool", "array": "list", "object": "json"}.get(prop.get("type"), "text")


# Each sheet: its columns, in order, with the kind of value each cell holds.
SHEETS: dict[str, dict[str, str]] = {
    "guides": {k: _kind(MATTER_SCHEMA["properties"][k]) for k in GUIDE_COLUMNS},
    "materials": {"matter": "text", **{k: _kind(p) for k, p in MATERIAL_SCHEMA["properties"].items()}},
    "fields": {"matter": "text", **FIELD_KINDS},
    "faq": {"matter": "text", "q": "text", "a": "text"},
    "synonyms": {"word": "text", "means": "text"},
}
KEY_COLUMNS = {"guides": ("code",), "materials": ("matter", "id"), "fields": ("matter", "id"), "faq": ("matter",),
               "synonyms": ("word", "means")}


class CatalogueError(ValueError):
    """A catalogue that cannot be imported or exported; ``problems`` has one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# --- cells ----------------------------------------------------------------------------------------------------

def _number_text(value: float | int) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _cell_value(kind: str, raw: Any) -> Any:
    """A cell's value as the catalogue holds it; ``_EMPTY`` for an empty cell; ValueError with the reason."""
    if isinstance(raw, str):
        raw = raw.strip()
    if raw is None or raw == "":
        return _EMPTY
    if isinstance(raw, datetime):
        raw = raw.date().isoformat() if raw.time() == datetime.min.time() else raw.isoformat()
    elif isinstance(raw, date):
        raw = raw.isoformat()
    if kind == "bool":
        if isinstance(raw, bool) or raw in (0, 1):
            return bool(raw)
        text = str(raw).strip().lower()
        if text in _YES or text in _NO:
            return text in _YES
        raise ValueError(f"{raw!r} is not yes or no (TRUE/FALSE, 是/否)")
    if isinstance(raw, bool):
        raise ValueError(f"{raw} is a yes/no value where {kind} is expected")
    if kind == "int":
        if isinstance(raw, (int, float)) and float(raw).is_integer():
            return int(raw)
        if isinstance(raw, str) and re.fullmatch(r"-?[0-9]{1,9}", raw):
            return int(raw)
        raise ValueError(f"{raw!r} is not a whole number")
    if kind == "number":
        if isinstance(raw, (int, float)):
            return int(raw) if isinstance(raw, float) and raw.is_integer() else raw
        if re.fullmatch(r"-?[0-9]{1,12}(\.[0-9]{1,12})?", raw):
            return float(raw) if "." in raw else int(raw)
        raise ValueError(f"{raw!r} is not a number")
    text = _number_text(raw) if isinstance(raw, (int, float)) else str(raw)
    if kind == "list":
        return [item.strip() for item in text.split(SEPARATOR) if item.strip()]
    if kind == "json":
        try:
            return json.loads(text)
        except ValueError as exc:
            raise ValueError(f"not JSON ({exc})") from None
    return text


def _cell_text(kind: str, value: Any, where: str) -> Any:
    """What a spreadsheet cell holds for a catalogue value; ValueError when it cannot hold it faithfully."""
    if kind == "list":
        items = [str(v) for v in value]
        bad = [v for v in items if SEPARATOR in v or v != v.strip() or not v]
        if bad:
            raise ValueError(f"{where}: the item {bad[0]!r} cannot be written ({SEPARATOR!r} separates items)")
        value = SEPARATOR.join(items)
    elif kind == "json":
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and (len(value) > MAX_CELL or value != value.strip()):
        raise ValueError(f"{where}: longer than a cell holds, or starts or ends with a space")
    return value


# --- reading a spreadsheet ---------------------------------------------------------------------------------

def _header(sheet: str, cells: tuple, problems: list[str]) -> dict[int, str]:
    columns, seen = {}, set()
    for i, cell in enumerate(cells):
        name = str(cell.value).strip() if cell.value is not None else ""
        if not name:
            continue
        if name not in SHEETS[sheet]:
            problems.append(f"{sheet}, row 1: unknown column {name!r}")
        elif name in seen:
            problems.append(f"{sheet}, row 1: the column {name!r} appears twice")
        else:
            columns[i] = name
            seen.add(name)
    for key in KEY_COLUMNS[sheet]:
        if key not in seen:
            problems.append(f"{sheet}, row 1: no column {key!r}")
    return columns


def _sheet_rows(sheet: str, ws, problems: list[str]) -> list[tuple[int, dict]]:
    """The sheet's rows after the header as ``(row number, {key: value})``, empty rows skipped."""
    rows = ws.iter_rows()
    header = next(rows, None)
    if header is None:
        problems.append(f"{sheet}, row 1: no header row")
        return []
    columns = _header(sheet, header, problems)
    out = []
    for number, cells in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:
            problems.append(f"{sheet}, row {number}: more than {MAX_ROWS} rows")
            break
        row = {}
        for i, cell in enumerate(cells):
            key = columns.get(i)
            if key is None or cell.value is None:
                continue
            if getattr(cell, "data_type", "") == "f":
                problems.append(f"{sheet}, row {number}: {key}: a formula; type the value itself")
                continue
            try:
                value = _cell_value(SHEETS[sheet][key], cell.value)
            except ValueError as exc:
                problems.append(f"{sheet}, row {number}: {key}: {exc}")
                continue
            if value is not _EMPTY:
                row[key] = value
        if row:
            out.append((number, row))
    return out


def read_spreadsheet(path: str | Path) -> tuple[dict[str, list[tuple[int, dict]]], list[str]]:
    """Every sheet's rows, and the problems found reading them. CatalogueError when the file is not one."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not a spreadsheet (.xlsx)"
        raise CatalogueError([f"{path}: {reason}"]) from None
    try:
        missing = [name for name in REQUIRED_SHEETS if name not in wb.sheetnames]
        if missing:
            raise CatalogueError([f"{path}: no sheet {name!r} (a catalogue has the sheets guides, materials, "
                                  "fields; faq and synonyms are optional)" for name in missing])
        problems: list[str] = []
        sheets = {name: _sheet_rows(name, wb[name], problems) for name in SHEETS if name in wb.sheetnames}
    finally:
        wb.close()
    return sheets, problems


# --- rows → catalogue ---------------------------------------------------------------------------------------

class _Assembly:
    """The catalogue the rows make, with where each entry and child row came from."""

    def __init__(self) -> None:
        self.matters: list[dict] = []
        self.index: dict[str, int] = {}
        self.guide_row: list[int] = []
        self.child_rows: dict[tuple[int, str, int], int] = {}
        self.field_problems: set[int] = set()  # matters with a field problem already named at its row

    def guides(self, rows: list[tuple[int, dict]], problems: list[str]) -> None:
        for number, row in rows:
            code = row.get("code")
            if not isinstance(code, str):
                problems.append(f"guides, row {number}: code: empty")
            elif code in self.index:
                problems.append(f"guides, row {number}: code {code} is already on row "
                                f"{self.guide_row[self.index[code]]}")
            else:
                self.index[code] = len(self.matters)
                self.matters.append(row)
                self.guide_row.append(number)

    def children(self, sheet: str, rows: list[tuple[int, dict]], problems: list[str]) -> None:
        ids: dict[tuple[int, str], int] = {}
        for number, row in rows:
            code = row.pop("matter", None)
            if code not in self.index:
                problems.append(f"{sheet}, row {number}: matter {code} is not on the guides sheet" if code
                                else f"{sheet}, row {number}: matter: empty")
                continue
            i = self.index[code]
            if sheet in ("materials", "fields") and "id" in row:
                if (i, row["id"]) in ids:
                    problems.append(f"{sheet}, row {number}: id {row['id']} of {code} is already on row "
                                    f"{ids[(i, row['id'])]}")
                    continue
                ids[(i, row["id"])] = number
            if sheet == "fields" and not self._field_ok(number, row, problems):
                self.field_problems.add(i)
            items = self.matters[i].setdefault(sheet, [])
            self.child_rows[(i, sheet, len(items))] = number
            items.append(row)

    @staticmethod
    def _field_ok(number: int, row: dict, problems: list[str]) -> bool:
        before = len(problems)
        if not FIELD_NAME.fullmatch(str(row.get("id", ""))):
            problems.append(f"fields, row {number}: id {row.get('id')!r} is not a field name (a-z, digits, _)")
        kind = row.get("type", "text")
        if kind not in SIMPLE_FIELD_TYPES:
            problems.append(f"fields, row {number}: type {kind!r} is not a field type "
                            f"({', '.join(SIMPLE_FIELD_TYPES)})")
        elif kind in ("choice", "multi") and not row.get("options"):
            problems.append(f"fields, row {number}: options: a {kind} field needs its options")
        return len(problems) == before

    def entry_problems(self, problems: list[str]) -> None:
        """matter_problems of every entry, each named at the row it comes from."""
        for i, entry in enumerate(self.matters):
            for problem in matter_problems(entry):
                if problem.startswith("materials: two materials share an id"):
                    continue  # named at its row already
                if problem.startswith("form: ") and i in self.field_problems:
                    continue
                problems.append(self._placed(i, problem))

    def _placed(self, i: int, problem: str) -> str:
        child = re.match(r"(materials|fields|faq)\[(\d+)\]\.?(.*)", problem, re.S)
        if child and (i, child[1], int(child[2])) in self.child_rows:
            rest = child[3].removeprefix(": ")
            return f"{child[1]}, row {self.child_rows[(i, child[1], int(child[2]))]}: {rest}"
        field = re.match(r"form: field ([a-z0-9_]+): (.*)", problem, re.S)
        if field:
            for j, f in enumerate(self.matters[i].get("fields", ())):
                if f.get("id") == field[1]:
                    return f"fields, row {self.child_rows[(i, 'fields', j)]}: {field[2]}"
        return f"guides, row {self.guide_row[i]}: {problem.removeprefix('(entry): ')}"


def catalogue_from_sheets(sheets: dict[str, list[tuple[int, dict]]], problems: list[str]) -> dict:
    """The hall file (``{"matters": [...], "synonyms": {...}}``) the rows stand for; problems appended."""
    assembly = _Assembly()
    assembly.guides(sheets.get("guides", []), problems)
    for sheet in CHILDREN:
        assembly.children(sheet, sheets.get(sheet, []), problems)
    assembly.entry_problems(problems)
    data: dict[str, Any] = {"matters": assembly.matters}
    if "synonyms" in sheets:
        data["synonyms"] = {}
        for number, row in sheets["synonyms"]:
            word, means = str(row.get("word", "")), str(row.get("means", ""))
            if not word or not means:
                problems.append(f"synonyms, row {number}: a word and what it means")
            elif word in data["synonyms"]:
                problems.append(f"synonyms, row {number}: the word {word} is listed twice")
            else:
                data["synonyms"][word] = means
    return data


def read_catalogue(path: str | Path) -> dict:
    """The catalogue in a spreadsheet (.xlsx) or a hall file (.json); CatalogueError lists every problem."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CatalogueError([f"{path}: {exc.strerror}"]) from None
        except ValueError as exc:
            raise CatalogueError([f"{path}: not JSON ({exc})"]) from None
        problems = catalogue_problems(data)
    elif path.suffix.lower() == ".xlsx":
        sheets, problems = read_spreadsheet(path)
        data = catalogue_from_sheets(sheets, problems)
        problems = problems or catalogue_problems(data)
    else:
        raise CatalogueError([f"{path}: not a spreadsheet (.xlsx) or a hall file (.json)"])
    if problems:
        raise CatalogueError(problems)
    return {"matters": data.get("matters") or [], **({"synonyms": data["synonyms"]} if "synonyms" in data else {})}


def import_catalogue(hall_store, path: str | Path) -> int:
    """Replaces the hall's catalogue with the file's; nothing changes when any row or entry is wrong."""
    return load_matters(hall_store, read_catalogue(path))


# --- writing ------------------------------------------------------------------------------------------------

def _sheet_values(catalogue: dict, problems: list[str]) -> dict[str, list[list[Any]]]:
    """Every sheet's rows (header first) for a catalogue; problems appended for what a cell cannot hold."""
    out = {name: [list(columns)] for name, columns in SHEETS.items()}

    def row(sheet: str, item: dict, where: str, matter: str | None = None) -> None:
        columns = SHEETS[sheet]
        unknown = sorted(set(item) - set(columns) - set(CHILDREN if sheet == "guides" else ()))
        if unknown:
            problems.append(f"{where}: {', '.join(unknown)} has no column in the {sheet} sheet")
        values = []
        for key, kind in columns.items():
            value = matter if key == "matter" else item.get(key)
            try:
                values.append(None if value is None else _cell_text(kind, value, f"{where}.{key}"))
            except ValueError as exc:
                problems.append(str(exc))
                values.append(None)
        out[sheet].append(values)

    for i, entry in enumerate(catalogue.get("matters", [])):
        code = entry.get("code", "?")
        row("guides", entry, f"matters[{i}] ({code})")
        for sheet in CHILDREN:
            for j, item in enumerate(entry.get(sheet, ())):
                row(sheet, item, f"matters[{i}] ({code}).{sheet}[{j}]", code)
    for word, means in catalogue.get("synonyms", {}).items():
        row("synonyms", {"word": word, "means": means}, f"synonyms.{word}")
    return out


def write_spreadsheet(catalogue: dict, path: str | Path) -> None:
    """Writes the catalogue as a spreadsheet (every sheet, header rows bold and frozen); CatalogueError names
    what a cell cannot hold, and then nothing is written."""
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils.exceptions import IllegalCharacterError

    problems: list[str] = []
    sheets = _sheet_values(catalogue, problems)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, values in enumerate(rows, start=1):
            for c, value in enumerate(values, start=1):
                if value is None:
                    continue
                cell = ws.cell(row=r, column=c)
                try:
                    cell.value = value
                except IllegalCharacterError:
                    problems.append(f"{name}, row {r}: {rows[0][c - 1]}: a control character a cell cannot hold")
                    continue
                if isinstance(value, str):
                    cell.data_type = "s"  # text, even when it starts with "=" (never a formula)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
    if problems:
        raise CatalogueError(problems)
    _replace(Path(path), wb.save)


def _replace(path: Path, save) -> None:
    partial = path.with_name(path.name + ".partial")
    try:
        save(partial)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise CatalogueError([f"{path}: {exc.strerror or exc}"]) from None


def export_catalogue(hall_store, path: str | Path) -> int:
    """Writes the hall's catalogue to a spreadsheet (.xlsx) or a hall file (.json); returns how many matters."""
    path = Path(path)
    catalogue = catalogue_source(hall_store)
    if path.suffix.lower() == ".json":
        text = json.dumps(catalogue, ensure_ascii=False, indent=2) + "\n"
        _replace(path, lambda p: Path(p).write_text(text, encoding="utf-8"))
    elif path.suffix.lower() == ".xlsx":
        write_spreadsheet(catalogue, path)
    else:
        raise CatalogueError([f"{path}: write a spreadsheet (.xlsx) or a hall file (.json)"])
    return len(catalogue["matters"])


# --- the command --------------------------------------------------------------------------------------------

def register(sub: argparse._SubParsersAction) -> None:
    matters = sub.add_parser("matters", help="the matter catalogue: import or export guides, materials, fields")
    actions = matters.add_subparsers(dest="action", required=True)
    load = actions.add_parser("import", help="replace the catalogue from FILE.xlsx or FILE.json (all or nothing)")
    load.add_argument("file")
    save = actions.add_parser("export", help="write the catalogue to FILE.xlsx or FILE.json")
    save.add_argument("file")


def command(hall_store, args: argparse.Namespace) -> int:
    """``matters import|export FILE``: 0 done, 1 with one line per problem on stderr (nothing changed)."""
    try:
        if args.action == "import":
            print(f"loaded {import_catalogue(hall_store, args.file)} matters from {args.file}")
        else:
            print(f"wrote {export_catalogue(hall_store, args.file)} matters to {args.file}")
        return 0
    except CatalogueError as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        return 1
    except ValueError as exc:  # the store's own check (load_matters), one problem per line
        print(str(exc), file=sys.stderr)
        return 1
