"""templates list | show | set | edit | reset | preview (SPEC §6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from smsremind.cli.app import App, err, json_option, out, pass_app, print_json
from smsremind.cli.root import cli
from smsremind.texts import templates as tpl
from smsremind.texts import textpreview

KIND = click.argument("kind", type=click.Choice(tpl.KINDS))


def lang_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--lang", type=click.Choice(tpl.LANGUAGES), help="Language (default: `language` from the config)."
    )(fn)


def _practices(app: App) -> list[str]:
    known = [
        r[0]
        for r in app.store.conn.execute(
            "SELECT practice FROM appointments GROUP BY practice ORDER BY count(*) DESC LIMIT 20"
        )
    ]
    return known or ([app.cfg.practice] if app.cfg.practice else list(app.cfg.practices))


def _preview(app: App, texts: tpl.Texts, kind: str, lang: str) -> textpreview.Preview:
    return textpreview.preview(
        kind, lang, texts(kind, lang), texts.is_custom(kind, lang), app.cfg, app.now, _practices(app)
    )


def _highlight(r: textpreview.Rendered) -> str:
    """The text with UCS-2-forcing characters marked."""
    forcing = {i for i, _ in r.forcing}
    return "".join(f"[reverse]{escape(ch)}[/]" if i in forcing else escape(ch) for i, ch in enumerate(r.text))


def _cost(r: textpreview.Rendered) -> str:
    n = r.length
    unit = "characters" if n.encoding == "GSM-7" else "UTF-16 units"
    return (
        f"{n.encoding}, {n.units} {unit}, {n.parts} part{'s' if n.parts > 1 else ''} ({n.per_part} per part)"
    )


def warn_if_multipart(p: textpreview.Preview) -> None:
    if p.worst.length.parts > 1:
        chars = " ".join(sorted({ch for _, ch in p.worst.forcing}))
        why = f" UCS-2 because of: {chars}; `transliterate = true` in the config avoids it." if chars else ""
        err.print(
            f"[yellow]warning:[/] {p.kind} ({p.language}) needs up to {p.worst.length.parts} SMS "
            f"parts per message, each charged.{escape(why)}",
            highlight=False,
        )


def _save(app: App, texts: tpl.Texts, kind: str, language: str, text: str) -> None:
    texts.set(kind, language, text, app.now)
    out.print(f"Saved {kind} ({language}).", highlight=False)
    warn_if_multipart(_preview(app, texts, kind, language))


@cli.group(invoke_without_command=True)
@click.pass_context
def templates(ctx: click.Context) -> None:
    """Message texts per kind and language (bare `templates` lists them).

    \b
    Examples:
      smsremind templates list
      smsremind templates set reminder --lang pl "{practice}: wizyta {date} o {time}."
      smsremind templates preview reminder --lang cs
      smsremind templates reset reminder --lang pl
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(templates_list)


@templates.command("list")
@json_option
@pass_app
def templates_list(app: App, as_json: bool = False) -> None:
    """Every kind and language: default or custom, and what it costs."""
    texts = tpl.Texts(app.store)
    rows = [_preview(app, texts, k, lang) for k in tpl.KINDS for lang in tpl.LANGUAGES]
    if as_json:
        print_json(
            [
                {
                    "kind": p.kind,
                    "language": p.language,
                    "custom": p.custom,
                    "text": p.template,
                    "parts": p.sample.length.parts,
                    "worst_parts": p.worst.length.parts,
                    "encoding": p.sample.length.encoding,
                }
                for p in rows
            ]
        )
        return
    table = Table(
        "Kind", "Lang", "Source", "Parts (worst)", "Text", title="Message texts", title_justify="left"
    )
    for p in rows:
        table.add_row(
            p.kind,
            p.language,
            "custom" if p.custom else "default",
            f"{p.sample.length.parts} ({p.worst.length.parts}) {p.sample.length.encoding}",
            escape(p.template),
        )
    out.print(table)


@templates.command("show")
@KIND
@lang_option
@pass_app
def templates_show(app: App, kind: str, lang: str | None) -> None:
    """Print the text of KIND (every language unless --lang)."""
    texts = tpl.Texts(app.store)
    for language in [lang] if lang else list(tpl.LANGUAGES):
        source = "custom" if texts.is_custom(kind, language) else "default"
        out.print(f"[bold]{kind} ({language}, {source}):[/] {escape(texts(kind, language))}", highlight=False)


@templates.command("set")
@KIND
@click.argument("text")
@lang_option
@pass_app
def templates_set(app: App, kind: str, text: str, lang: str | None) -> None:
    """Use TEXT for KIND; only the placeholders of the spec are allowed."""
    language = lang or app.cfg.language
    texts = tpl.Texts(app.store)
    _save(app, texts, kind, language, text)


@templates.command("edit")
@KIND
@lang_option
@pass_app
def templates_edit(app: App, kind: str, lang: str | None) -> None:
    """Edit the text of KIND in $EDITOR."""
    language = lang or app.cfg.language
    texts = tpl.Texts(app.store)
    edited = click.edit(texts(kind, language) + "\n")
    if edited is None or edited.strip() == texts(kind, language).strip():
        out.print("No change.")
        return
    _save(app, texts, kind, language, edited.strip())


@templates.command("reset")
@KIND
@lang_option
@pass_app
def templates_reset(app: App, kind: str, lang: str | None) -> None:
    """Go back to the built-in text of KIND."""
    language = lang or app.cfg.language
    if tpl.Texts(app.store).reset(kind, language):
        out.print(f"{kind} ({language}) is the default text again.", highlight=False)
    else:
        out.print(f"{kind} ({language}) already was the default text.", highlight=False)


@templates.command("preview")
@KIND
@lang_option
@json_option
@pass_app
def templates_preview(app: App, kind: str, lang: str | None, as_json: bool) -> None:
    """Render KIND for a typical and a worst-case message: encoding, parts, UCS-2 characters."""
    language = lang or app.cfg.language
    p = _preview(app, tpl.Texts(app.store), kind, language)
    if as_json:
        print_json(p.as_json())
        return
    out.print(f"[bold]{kind}[/] ({language}, {'custom' if p.custom else 'default'})", highlight=False)
    out.print(f"  template:   {escape(p.template)}", highlight=False)
    for label, r in (("sample", p.sample), ("worst case", p.worst)):
        out.print(f"  {label + ':':<11} {_highlight(r)}", highlight=False)
        out.print(f"  {'':<11} {_cost(r)}", highlight=False)
    forcing = {ch for r in (p.sample, p.worst) for _, ch in r.forcing}
    if forcing:
        out.print(f"  UCS-2 because of (highlighted): {escape(' '.join(sorted(forcing)))}", highlight=False)
    warn_if_multipart(p)
