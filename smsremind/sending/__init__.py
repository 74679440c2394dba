"""Sending: planned messages in, each delivered exactly once, and the record of it.

One ``run`` (:mod:`.runner`) takes the lock, settles what a killed run left,
plans through :mod:`smsremind.rules`, claims each due message in the journal
(:mod:`.journal`), hands it to the gateway through a rate-limited worker pool
(:mod:`.outbound`, :mod:`.sender`, :mod:`.gateways`) and records the answer;
then fetches delivery reports (:mod:`.deliveries`). :mod:`.status` reads it
all back for ``status``. Implements spec §4 (exactly once) and the run and
status parts of §9.
"""
