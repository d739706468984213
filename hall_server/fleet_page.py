"""The fleet page's HTML, rendered on the server (no scripts, no front-end build): the login form, the list
of terminals with their state (and whether it flaps), colour and last fault, and one terminal's detail. Every
value is escaped; every word comes from the message catalogues (core/i18n/fleet.*.json), in the language the
browser asks for.
"""

from __future__ import annotations

import html

from core.i18n import Translator
from hall_server.fleet import COLOURS, TerminalView

STATE_KEYS = {"online": "fleet.state_online", "late": "fleet.state_late", "offline": "fleet.state_offline"}
ROLE_KEYS = {"citizen": "fleet.role_citizen", "clerk": "fleet.role_clerk", "display": "fleet.role_display",
             "technician": "fleet.role_technician"}

STYLE = """
body { font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; margin: 24px; color: #202124; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 6px 10px; }
th { background: #f1f3f4; } tr + tr td { border-top: 1px solid #e0e0e0; }
.dot { display: inline-block; width: 12px; height: 12px; border-radius: 6px; margin-right: 6px; }
.error { color: #d93025; } header { display: flex; justify-content: space-between; align-items: center; }
form.inline { display: inline; } label { display: block; margin: 8px 0; }
.flapping { margin-left: 8px; padding: 1px 6px; border-radius: 4px; background: #fce8b2; color: #7a4a00; }
"""


def language_of(accept_language: str | None) -> str:
    first = (accept_language or "").split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "zh_CN"


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _page(tr: Translator, title: str, body: str) -> str:
    lang = "en" if tr.language == "en" else "zh-CN"
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{_e(title)}</title>'
            f"<style>{STYLE}</style></head><body>{body}</body></html>")


def login_page(tr: Translator, error_key: str = "") -> str:
    error = f'<p class="error" id="error">{_e(tr(error_key))}</p>' if error_key else ""
    body = (f"<h1>{_e(tr('fleet.login_title'))}</h1><p>{_e(tr('fleet.login_hint'))}</p>{error}"
            '<form method="post" action="/fleet/login" id="login">'
            f'<label>{_e(tr("fleet.staff_id"))} <input name="staff_id" id="staff_id" autocomplete="username"></label>'
            f'<label>{_e(tr("fleet.pin"))} <input name="pin" id="pin" type="password" '
            'autocomplete="current-password"></label>'
            f'<button type="submit" id="submit">{_e(tr("fleet.login"))}</button></form>')
    return _page(tr, tr("fleet.login_title"), body)


def _header(tr: Translator, title: str, staff_id: str) -> str:
    return (f"<header><h1>{_e(title)}</h1><div>{_e(tr('fleet.signed_in_as', staff=staff_id))} "
            '<form class="inline" method="post" action="/fleet/logout">'
            f'<button type="submit">{_e(tr("fleet.logout"))}</button></form></div></header>')


def _state_cell(tr: Translator, view: TerminalView) -> str:
    flapping = (f'<span class="flapping" title="{_e(tr("fleet.flapping_what", what=", ".join(view.flaps)))}">'
                f'{_e(tr("fleet.flapping"))}</span>') if view.flapping else ""
    return (f'<span class="dot" style="background:{COLOURS[view.colour]}"></span>'
            f'<span class="state {view.colour}">{_e(tr(STATE_KEYS[view.state]))}</span>{flapping}')


def _age(tr: Translator, age_s: float | None) -> str:
    return tr("fleet.never") if age_s is None else tr("fleet.seconds_ago", n=int(age_s))


def _outbox(view: TerminalView) -> str:
    outbox = view.heartbeat.get("outbox")
    return "—" if not outbox else f"{outbox['waiting']} / {outbox['dead']}"


def fleet_page(tr: Translator, views: list[TerminalView], staff_id: str, counts: dict[str, int]) -> str:
    flapping = sum(1 for v in views if v.flapping)
    summary = tr("fleet.summary", **counts) + (tr("fleet.summary_flapping", n=flapping) if flapping else "")
    heads = ("fleet.col_terminal", "fleet.col_role", "fleet.col_state", "fleet.col_last_seen", "fleet.col_version",
             "fleet.col_outbox", "fleet.col_last_fault")
    rows = "".join(
        f'<tr data-terminal="{_e(v.terminal_id)}" data-state="{v.state}" data-colour="{v.colour}"'
        f' data-flapping="{"yes" if v.flapping else "no"}">'
        f'<td><a href="/fleet/terminals/{_e(v.terminal_id)}">{_e(v.terminal_id)}</a></td>'
        f"<td>{_e(tr(ROLE_KEYS.get(v.role, 'fleet.none')))}</td><td>{_state_cell(tr, v)}</td>"
        f"<td>{_e(_age(tr, v.age_s))}</td><td>{_e(v.version or '—')}</td><td>{_e(_outbox(v))}</td>"
        f'<td class="fault">{_e(v.last_fault or tr("fleet.none"))}</td></tr>' for v in views)
    body = (_header(tr, tr("fleet.title"), staff_id) + f'<p id="summary">{_e(summary)}</p>'
            f'<table id="fleet"><tr>{"".join(f"<th>{_e(tr(h))}</th>" for h in heads)}</tr>{rows}</table>')
    return _page(tr, tr("fleet.title"), body)


def _devices(tr: Translator, view: TerminalView) -> str:
    heads = ("fleet.col_device", "fleet.col_device_state", "fleet.col_paper", "fleet.col_last_error")
    rows = "".join(
        f'<tr data-device="{_e(d["name"])}"><td>{_e(d["name"])}</td><td>{_e(d["state"])}</td>'
        f'<td>{_e(d["paper"] if d["paper"] != "none" else "—")}</td><td>{_e(d.get("last_error") or "—")}</td></tr>'
        for d in view.heartbeat.get("devices", ()))
    return f'<table id="devices"><tr>{"".join(f"<th>{_e(tr(h))}</th>" for h in heads)}</tr>{rows}</table>'


def detail_page(tr: Translator, view: TerminalView, staff_id: str) -> str:
    beat = view.heartbeat
    facts = [f"{_e(tr(ROLE_KEYS.get(view.role, 'fleet.none')))} · {_state_cell(tr, view)} · "
             f"{_e(_age(tr, view.age_s))}"]
    if beat:
        facts.append(_e(tr("fleet.uptime", n=int(beat["uptime_s"]))))
        if beat.get("disk_free_bytes") is not None:
            facts.append(_e(tr("fleet.disk_free", mb=beat["disk_free_bytes"] // (1024 * 1024))))
        outbox = beat.get("outbox")
        if outbox:
            age = "—" if outbox.get("oldest_age_s") is None else int(outbox["oldest_age_s"])
            facts.append(_e(tr("fleet.outbox_detail", waiting=outbox["waiting"], dead=outbox["dead"], age=age)))
    if view.flapping:
        facts.append(f'<span id="flapping">{_e(tr("fleet.flapping_what", what=", ".join(view.flaps)))}</span>')
    facts.append(f'{_e(tr("fleet.col_last_fault"))}: <span class="fault">'
                 f'{_e(view.last_fault or tr("fleet.none"))}</span>')
    body = (_header(tr, tr("fleet.detail_title", terminal=view.terminal_id), staff_id)
            + f'<p><a href="/fleet">{_e(tr("fleet.back"))}</a></p>'
            + "".join(f"<p>{f}</p>" for f in facts)
            + f"<h2>{_e(tr('fleet.devices'))}</h2>" + _devices(tr, view))
    return _page(tr, tr("fleet.detail_title", terminal=view.terminal_id), body)


def missing_page(tr: Translator) -> str:
    body = f'<p>{_e(tr("fleet.no_terminal"))}</p><p><a href="/fleet">{_e(tr("fleet.back"))}</a></p>'
    return _page(tr, tr("fleet.title"), body)
