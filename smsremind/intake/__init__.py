"""Intake: practice exports in, validated visits and their changes out.

Takes a CSV, Excel, iCalendar or SQLite source (:mod:`.formats`) and the
``[import]`` settings; reads and checks every row (:mod:`.rowcheck`),
normalises phone numbers (:mod:`.phones`) and merges the rows into the store,
recording per visit what changed: first seen, moved, cancelled, restored
(:mod:`.sync`). Implements spec §3 (numbers) and §8 (import). Nothing here
decides what a patient is told; that is :mod:`smsremind.rules`.
"""
