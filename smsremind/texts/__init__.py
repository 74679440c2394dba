"""Texts: what a message says and what it costs.

Templates per kind and language, stored overrides and their checks
(:mod:`.templates`), GSM-7/UCS-2 length, parts and transliteration
(:mod:`.sms_text`), and the worst-case preview for ``templates preview``
(:mod:`.textpreview`). Implements spec §6.
"""
