"""templates list | show | set | edit | reset | preview (SPEC §6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from smsremind.cli.app import App, err, json_option, out, pass_app, print_json
from smsremind.cli.root import cli
from smsremind.cli.words import styled, word
from smsremind.i18n import N_, _, ngettext
from smsremind.texts import templates as tpl
from smsremind.texts import textpreview

KIND = click.argument("kind", type=click.Choice(tpl.KINDS))


def lang_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--lang", type=click.Choice(tpl.LANGUAGES), help=N_("Language (default: `language` from the config).")
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
    if n.encoding == "GSM-7":
        units = ngettext("{n} character", "{n} characters", n.units)
    else:
        units = ngettext("{n} UTF-16 unit", "{n} UTF-16 units", n.units)
    parts = ngettext("{n} part ({per} per part)", "{n} parts ({per} per part)", n.parts)
    return f"{n.encoding}, {units.format(n=n.units)}, {parts.format(n=n.parts, per=n.per_part)}"


def warn_if_multipart(p: textpreview.Preview) -> None:
    if p.worst.length.parts > 1:
        chars = " ".join(sorted({ch for _i, ch in p.worst.forcing}))
        text = ngettext(
            "{kind} ({language}) needs up to {n} SMS part per message, each charged.",
            "{kind} ({language}) needs up to {n} SMS parts per message, each charged.",
            p.worst.length.parts,
        ).format(kind=p.kind, language=p.language, n=p.worst.length.parts)
        if chars:
            why = _("UCS-2 because of: {chars}; `transliterate = true` in the config avoids it.")
            text += " " + why.format(chars=chars)
        err.print(styled("yellow", _("warning") + ":") + " " + escape(text), highlight=False)


def _save(app: App, texts: tpl.Texts, kind: str, language: str, text: str) -> None:
    texts.set(kind, language, text, app.now)
    out.print(_("Saved {kind} ({language}).").format(kind=kind, language=language), highlight=False)
    warn_if_multipart(_preview(app, texts, kind, language))


TEMPLATES_HELP = N_("""Message texts per kind and language (bare `templates` lists them).

\b
Examples:
  smsremind templates list
  smsremind templates set reminder --lang pl "{practice}: wizyta {date} o {time}."
  smsremind templates preview reminder --lang cs
  smsremind templates reset reminder --lang pl""")


@cli.group(invoke_without_command=True, help=TEMPLATES_HELP)
@click.pass_context
def templates(ctx: click.Context) -> None:
    """Message texts per kind and language (bare `templates` lists them)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(templates_list)


@templates.command("list", help=N_("Every kind and language: default or custom, and what it costs."))
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
    heads = (_("Kind"), _("Lang"), _("Source"), _("Parts (worst)"), _("Text"))
    table = Table(*heads, title=_("Message texts"), title_justify="left")
    for p in rows:
        table.add_row(
            word(p.kind),
            p.language,
            word("custom" if p.custom else "default"),
            f"{p.sample.length.parts} ({p.worst.length.parts}) {p.sample.length.encoding}",
            escape(p.template),
        )
    out.print(table)


@templates.command("show", help=N_("Print the text of KIND (every language unless --lang)."))
@KIND
@lang_option
@pass_app
def templates_show(app: App, kind: str, lang: str | None) -> None:
    """Print the text of KIND (every language unless --lang)."""
    texts = tpl.Texts(app.store)
    for language in [lang] if lang else list(tpl.LANGUAGES):
        source = word("custom" if texts.is_custom(kind, language) else "default")
        head = styled("bold", f"{kind} ({language}, {source}):")
        out.print(head + " " + escape(texts(kind, language)), highlight=False)


@templates.command("set", help=N_("Use TEXT for KIND; only the placeholders of the spec are allowed."))
@KIND
@click.argument("text")
@lang_option
@pass_app
def templates_set(app: App, kind: str, text: str, lang: str | None) -> None:
    """Use TEXT for KIND; only the placeholders of the spec are allowed."""
    language = lang or app.cfg.language
    texts = tpl.Texts(app.store)
    _save(app, texts, kind, language, text)


@templates.command("edit", help=N_("Edit the text of KIND in $EDITOR."))
@KIND
@lang_option
@pass_app
def templates_edit(app: App, kind: str, lang: str | None) -> None:
    """Edit the text of KIND in $EDITOR."""
    language = lang or app.cfg.language
    texts = tpl.Texts(app.store)
    edited = click.edit(texts(kind, language) + "\n")
    if edited is None or edited.strip() == texts(kind, language).strip():
        out.print(_("No change."))
        return
    _save(app, texts, kind, language, edited.strip())


@templates.command("reset", help=N_("Go back to the built-in text of KIND."))
@KIND
@lang_option
@pass_app
def templates_reset(app: App, kind: str, lang: str | None) -> None:
    """Go back to the built-in text of KIND."""
    language = lang or app.cfg.language
    if tpl.Texts(app.store).reset(kind, language):
        text = _("{kind} ({language}) is the default text again.")
    else:
        text = _("{kind} ({language}) already was the default text.")
    out.print(text.format(kind=kind, language=language), highlight=False)


@templates.command(
    "preview",
    help=N_("Render KIND for a typical and a worst-case message: encoding, parts, UCS-2 characters."),
)
@KIND
@lang_option
@json_option
@pass_app
def templates_preview(app: App, kind: str, lang: str | None, as_json: bool) -> None:
    """Render KIND for a typical and a worst-case message."""
    language = lang or app.cfg.language
    p = _preview(app, tpl.Texts(app.store), kind, language)
    if as_json:
        print_json(p.as_json())
        return
    source = word("custom" if p.custom else "default")
    out.print(styled("bold", kind) + f" ({language}, {source})", highlight=False)
    labels = [_("template:"), _("sample:"), _("worst case:")]
    width = max(11, *(len(label) + 1 for label in labels))
    out.print(f"  {labels[0]:<{width}} {escape(p.template)}", highlight=False)
    for label, r in zip(labels[1:], (p.sample, p.worst), strict=True):
        out.print(f"  {label:<{width}} {_highlight(r)}", highlight=False)
        out.print(f"  {'':<{width}} {escape(_cost(r))}", highlight=False)
    forcing = {ch for r in (p.sample, p.worst) for _i, ch in r.forcing}
    if forcing:
        text = _("UCS-2 because of (highlighted): {chars}").format(chars=" ".join(sorted(forcing)))
        out.print(f"  {escape(text)}", highlight=False)
    warn_if_multipart(p)
