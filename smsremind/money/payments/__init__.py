"""Buying SMS packs: the Przelewy24 client and the purchase flow."""
