"""Money: the prepaid SMS account.

The monthly allowance and the ledger of charges and credits (:mod:`.quota`),
low-balance mails (:mod:`.alerts`), when the balance runs out
(:mod:`.forecast`), buying a pack through Przelewy24 (:mod:`.payments`) and
the VAT invoice for it (:mod:`.invoice`). Implements spec §7.
"""
