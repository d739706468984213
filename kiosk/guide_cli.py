"""``kiosk guide …`` and ``kiosk forms …``: the hall's service guide and matter forms from the command line.

    kiosk guide search QUERY [--json]        matters found by characters, full pinyin or initials, best first
    kiosk guide show CODE [--json]           one matter's whole guide
    kiosk forms check CODE DATA.json         exit 0: the data is valid for the matter's current form;
                                             exit 1: one line per problem, the field path and the reason

Where the catalogue comes from (the first that is given): ``--catalogue FILE`` (a JSON file holding
``{"matters": [...]}``: the platform's catalogue answer, a hall file, or ``hall-admin matters export``), or
``--data-dir DIR`` (the catalogue a terminal cached from the platform: read from its encrypted store, no
network; ``--key-file`` as for ``kiosk diag sync``), or the environment variable ``KIOSK_CATALOGUE`` (a file).
JSON output: ``search`` prints a list of ``{"code", "name", "department", "score"}``; ``show`` prints the
guide as the platform serves it. Problems are in the language of ``--language`` (default: the locale).
Exit codes: 0 done (search: even when nothing matched); 1 a matter that is not in the catalogue, or data that
does not validate; 2 no catalogue, an unreadable file, a catalogue that is not one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from core.errors import KioskError
from core.i18n import Translator, keys_for

GUIDE_FIELDS = ("department", "kind", "promised_days", "legal_days", "fee", "basis", "conditions")
GUIDE_FIELD_KEYS = keys_for("guide.field.", GUIDE_FIELDS)


class _Unusable(Exception):
    """The catalogue or the data file cannot be used: exit 2 with this line."""


def _language(args: argparse.Namespace) -> str:
    if args.language:
        return args.language
    lang = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or ""
    return "zh_CN" if lang.startswith("zh") else "en"


def _read_json(path: str, what: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise _Unusable(f"cannot read {what} {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _Unusable(f"{what} {path} is not JSON: {exc}") from None


def _catalogue(args: argparse.Namespace):
    from core.services.guide import GuideBook

    if args.catalogue or (not args.data_dir and os.environ.get("KIOSK_CATALOGUE")):
        body = _read_json(args.catalogue or os.environ["KIOSK_CATALOGUE"], "catalogue")
    elif args.data_dir:
        body = _cached_catalogue(args)
    else:
        raise _Unusable("no catalogue: give --catalogue FILE, or --data-dir DIR of a terminal that has cached one")
    book = GuideBook.from_catalogue(body)
    if not book.guides and book.skipped:
        raise _Unusable(f"the catalogue holds no usable matter ({book.skipped[0][0]}: {book.skipped[0][1]})")
    for where, reason in book.skipped:
        print(f"kiosk: left out {where}: {reason}", file=sys.stderr)
    return book


def _cached_catalogue(args: argparse.Namespace) -> Any:
    from core.services.catalogue import REFERENCE_NAME
    from offline_cache import Store
    from offline_cache.refcache import ReferenceCache

    store = Store(args.data_dir, key_file=args.key_file, cipher=args.cipher, margin_bytes=0)
    try:
        cached = ReferenceCache(store, None).cached(REFERENCE_NAME)
    finally:
        store.close()
    if cached is None:
        raise _Unusable(f"the terminal at {args.data_dir} has not cached a catalogue yet")
    return cached.body


def _search(args: argparse.Namespace) -> int:
    hits = _catalogue(args).search(args.query, limit=args.limit)
    if args.json:
        print(json.dumps([h.as_json() for h in hits], ensure_ascii=False))
    else:
        for h in hits:
            print(f"{h.score:4d}  {h.code:<16} {h.name}  ({h.department})")
    return 0


def _show(args: argparse.Namespace) -> int:
    guide = _catalogue(args).get(args.code)
    if guide is None:
        print(f"kiosk: no matter {args.code} in the catalogue", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(guide.data, ensure_ascii=False))
        return 0
    t = Translator(_language(args))
    d = guide.data
    print(f"{guide.code}  {guide.name}")
    for key in GUIDE_FIELDS:
        if d.get(key) not in (None, ""):
            print(f"  {t(f'guide.field.{key}')}: {d[key]}")
    for m in d.get("materials") or ():
        need = t("guide.material.required") if m.get("required") else t("guide.material.optional")
        note = f" — {m['note']}" if m.get("note") else ""
        print(f"  · {m.get('name', '')} ({m.get('form', '')}; {need}){note}")
    return 0


def _check(args: argparse.Namespace) -> int:
    guide = _catalogue(args).get(args.code)
    if guide is None:
        print(f"kiosk: no matter {args.code} in the catalogue", file=sys.stderr)
        return 1
    if guide.form is None:
        print(f"kiosk: matter {args.code} has no form", file=sys.stderr)
        return 1
    data = _read_json(args.data, "data file")
    problems = guide.form.validate(data)
    t = Translator(_language(args))
    for p in problems:
        print(f"{p.path or '(form)'}: {t(p.key, **p.params)}")
    return 1 if problems else 0


def _guard(func):
    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except _Unusable as exc:
            print(f"kiosk: {exc}", file=sys.stderr)
            return 2
        except KioskError as exc:  # the store: a wrong key, a damaged file
            print(f"kiosk: {exc.message('technician', _language(args))}", file=sys.stderr)
            return 2
    return run


def _sources(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--catalogue", metavar="FILE", help="a JSON file with the matters (default: $KIOSK_CATALOGUE)")
    parser.add_argument("--data-dir", metavar="DIR", help="read the catalogue a terminal cached in its store")
    parser.add_argument("--key-file", help="the store's key file (default: DIR/keys/store.key)")
    parser.add_argument("--cipher", default="aes-256-gcm", choices=("aes-256-gcm", "sm4-gcm"))
    parser.add_argument("--language", choices=("zh_CN", "en"), help="language of the text (default: the locale)")


def register(sub: argparse._SubParsersAction) -> None:
    guide = sub.add_parser("guide", help="search the hall's service guide, show a matter's guide",
                           description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    guide_sub = guide.add_subparsers(dest="guide_command", metavar="ACTION", required=True)
    search = guide_sub.add_parser("search", help="find matters by characters, pinyin or initials")
    search.add_argument("query")
    search.add_argument("--json", action="store_true", help="a JSON list of {code, name, department, score}")
    search.add_argument("--limit", type=int, default=20, help="at most this many matters (default 20)")
    _sources(search)
    search.set_defaults(func=_guard(_search))
    show = guide_sub.add_parser("show", help="one matter's whole guide")
    show.add_argument("code")
    show.add_argument("--json", action="store_true", help="the guide as the platform serves it")
    _sources(show)
    show.set_defaults(func=_guard(_show))

    forms = sub.add_parser("forms", help="check data against a matter's form",
                           description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    forms_sub = forms.add_subparsers(dest="forms_command", metavar="ACTION", required=True)
    check = forms_sub.add_parser("check", help="exit 0 when DATA.json is valid for the matter's current form")
    check.add_argument("code")
    check.add_argument("data", metavar="DATA.json")
    _sources(check)
    check.set_defaults(func=_guard(_check))
