"""argparse types of the `equivalence` command's numbers: a bad value is a usage error (exit 2)
naming the option, never a silently different port or a server with no process."""

from __future__ import annotations

import argparse


def positive(text: str) -> int:
    """1 or more (API processes, worker processes and threads)."""
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text!r}")
    return value


def port(text: str) -> int:
    """A TCP port to listen on: 1-65535 (uvicorn would take 99999 modulo 65536)."""
    value = _integer(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port from 1 to 65535, got {text!r}")
    return value


def port_or_off(text: str) -> int:
    """A port, or 0 for off (the worker's metrics)."""
    return 0 if _integer(text) == 0 else port(text)


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
