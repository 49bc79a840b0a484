"""Protocols the core needs from the outside world; adapters implement them."""
