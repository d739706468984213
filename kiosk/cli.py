"""The ``kiosk`` command (also ``python -m kiosk``).

    kiosk demo                       the whole hall on this machine: server, simulated devices, windows
    kiosk run --config FILE          one terminal as its configuration says
    kiosk hall-server --db FILE|URL  the reference hall server (HTTPS with --tls-cert/--tls-key)
    kiosk hall-admin --db FILE …     provision it: load-hall, add-terminal, add-staff, list-terminals,
                                     tickets remove, rotate-key, issue-ca, issue-cert, matters import|export,
                                     cases show|advance, ratings [export], followups, fleet
                                     (docs/hall-server.md, docs/deployment.md, docs/guide.md)
    kiosk diag …                     device diagnostics (see kiosk/diag/)
    kiosk guide search|show …        the hall's service guide; kiosk forms check CODE DATA.json
    kiosk --version
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence

from core import __version__
from core.errors import KioskError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="Government service hall terminal")
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="run the hall server, simulated devices and all role windows")
    demo.add_argument("--data-dir", help="where the demo keeps its database and logs (default: a temp dir)")
    demo.add_argument("--port", type=int, default=0, help="hall server port on 127.0.0.1 (default: any free)")
    from core.i18n import LANGUAGES

    demo.add_argument("--language", choices=LANGUAGES, default="zh_CN")
    demo.add_argument("--screenshots", metavar="DIR",
                      help="save a screenshot of every window to DIR once they are up, then quit")
    demo.set_defaults(func=_run_demo)

    run = sub.add_parser("run", help="run one terminal from its configuration file")
    run.add_argument("--config", required=True, help="the terminal's TOML file")
    run.set_defaults(func=_run_terminal)

    server = sub.add_parser("hall-server", help="run the reference hall server")
    server.add_argument("--db", required=True,
                        help="the database: a SQLite file (created if missing) or a postgresql:// URL")
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, default=8765)
    server.add_argument("--seed", metavar="JSON",
                        help="hall data to load into an empty database (default: the bundled sample hall)")
    server.add_argument("--key", metavar="FILE",
                        help="the database's key file (default: the database's path + .key; for a URL, "
                             "$KIOSK_HALL_KEY; docs/hall-server.md)")
    server.add_argument("--tls-cert", metavar="PEM", help="serve HTTPS with this certificate (docs/deployment.md)")
    server.add_argument("--tls-key", metavar="PEM", help="the certificate's private key")
    server.add_argument("--tls-client-ca", metavar="PEM",
                        help="require every terminal to show a client certificate signed by this CA")
    server.set_defaults(func=_run_hall_server)

    # Listed for --help; main() hands its arguments to hall_server.__main__ untouched.
    sub.add_parser("hall-admin", add_help=False,
                   help="provision the hall server: load-hall, add-terminal, add-staff … (--help for more)")

    from kiosk import guide_cli

    guide_cli.register(sub)

    diag = sub.add_parser("diag", help="device and platform diagnostics")
    diag_sub = diag.add_subparsers(dest="diag_command", metavar="DIAG", required=True)
    from kiosk.diag import COMMANDS

    for name in COMMANDS:
        module_name = f"kiosk.diag.{name}"
        if importlib.util.find_spec(module_name) is None:
            continue
        importlib.import_module(module_name).register(diag_sub)
    return parser


SERVER_PARTS = ("hall_server", "simulators", "fastapi", "uvicorn", "starlette")


def _server_part_missing(exc: ModuleNotFoundError) -> bool:
    return (exc.name or "").split(".")[0] in SERVER_PARTS


def _needs_server(what: str) -> int:
    print(f"kiosk: {what} needs the reference hall server, which this installation does not carry "
          "(a terminal's install has none). Install it with: pip install 'hall-kiosk[server]'", file=sys.stderr)
    return 2


def _run_demo(args: argparse.Namespace) -> int:
    from kiosk.demo import run_demo

    return run_demo(data_dir=args.data_dir, port=args.port, language=args.language,
                    screenshots=args.screenshots)


def _run_terminal(args: argparse.Namespace) -> int:
    from core import config
    from kiosk.run import run_terminal

    return run_terminal(config.load(args.config))


def _run_hall_server(args: argparse.Namespace) -> int:
    try:
        from hall_server import serve
        from hall_server.runner import tls_from_arguments
    except ModuleNotFoundError as exc:
        if _server_part_missing(exc):
            return _needs_server("kiosk hall-server")
        raise
    from kiosk.service_manager import SystemdNotifier

    service = SystemdNotifier.from_environment()  # None unless systemd runs the server (docs/deployment.md)
    try:
        return serve(db=args.db, host=args.host, port=args.port, seed=args.seed, tls=tls_from_arguments(args),
                     key=args.key, service=service)
    finally:
        if service is not None:
            service.close()


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["hall-admin"]:
        try:
            from hall_server.__main__ import main as admin_main
        except ModuleNotFoundError as exc:
            if _server_part_missing(exc):
                return _needs_server("kiosk hall-admin")
            raise

        return admin_main(argv[1:], prog="kiosk hall-admin")
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ModuleNotFoundError as exc:
        if args.command == "demo" and _server_part_missing(exc):
            return _needs_server("kiosk demo")
        raise
    except KioskError as exc:
        print(f"kiosk: {exc.message('technician', 'en')}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
