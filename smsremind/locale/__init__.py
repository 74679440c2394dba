"""The translation catalogs: ``<lang>/LC_MESSAGES/smsremind.po`` (source) and ``.mo`` (built)."""
