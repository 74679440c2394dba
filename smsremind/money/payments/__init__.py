"""Buying SMS packs: the Przelewy24 client (:mod:`.przelewy24`) and the purchase flow (:mod:`.purchase`)."""
