"""Storage: the one SQLite database and its lifetime.

:mod:`.store` opens it (WAL, busy timeout, run lock, private file mode) and
applies the append-only :mod:`.migrations`; :mod:`.purge` deletes old history.
Everything above reads and writes through :class:`.store.Store`.
"""
