"""Fake external services over real HTTP, for tests without them."""
